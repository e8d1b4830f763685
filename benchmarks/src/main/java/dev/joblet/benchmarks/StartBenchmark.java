package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.Network;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Start + await of {@code /bin/true}: the bare ProcessBuilder baseline against Joblet in its sandbox modes.
 * Single-threaded, one job at a time; each invocation is one whole start-to-end. About 2 minutes in all:
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar StartBenchmark</pre>
 *
 * Needs root (Joblet does). Every Joblet invocation checks the job exited 0, so a failing start cannot pass
 * for a fast one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class StartBenchmark {
    private JobSpec full;
    private JobSpec noNetns;
    private JobSpec noCgroup;
    private JobSpec withLimits;

    @Setup
    public void setup() {
        full = Joblet.builder().command("/bin/true").build();
        noNetns = Joblet.builder().command("/bin/true").network(Network.HOST).build();
        noCgroup = Joblet.builder().command("/bin/true").pidsMax(0).noMemoryLimit().build();
        withLimits = Joblet.builder()
                .command("/bin/true")
                .cpu(50)
                .memory(MemorySize.ofMegabytes(256))
                .build(); // pids limit: the default
    }

    @Benchmark
    public int processBuilderTrue() throws IOException, InterruptedException {
        return new ProcessBuilder("/bin/true").start().waitFor();
    }

    @Benchmark
    public JobResult jobletTrue() throws Exception {
        return run(full);
    }

    @Benchmark
    public JobResult jobletTrueNoNetns() throws Exception {
        return run(noNetns);
    }

    @Benchmark
    public JobResult jobletTrueNoCgroup() throws Exception {
        return run(noCgroup);
    }

    @Benchmark
    public JobResult jobletTrueWithLimits() throws Exception {
        return run(withLimits);
    }

    static JobResult run(JobSpec spec) throws Exception {
        return run(Joblet.system(), spec);
    }

    static JobResult run(Joblet joblet, JobSpec spec) throws Exception {
        try (Job job = joblet.start(spec)) {
            JobResult r = job.await();
            if (!r.isSuccess()) {
                throw new IllegalStateException("job failed: " + r);
            }
            return r;
        }
    }
}
