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
import dev.joblet.SeccompPolicy;

/**
 * What the default hardening adds to a job's start: {@code /bin/true} with everything on (nobody, no
 * capabilities, seccomp, hardened /proc, rlimits) against the same job with each relaxed, and as root in a
 * user namespace. No network namespace or cgroup, so that the hardening is most of the difference:
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar HardeningBenchmark</pre>
 *
 * The seccomp filter is compiled once per policy (the first start), never per job.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class HardeningBenchmark {
    private JobSpec hardened;
    private JobSpec relaxed;
    private JobSpec userns;
    private JobSpec seccompOnly;
    private JobSpec procMaskingOnly;

    @Setup
    public void setup() {
        hardened = Joblet.builder().command("/bin/true").network(Network.HOST).pidsMax(0).noMemoryLimit().build();
        relaxed = hardened.toBuilder().seccomp(SeccompPolicy.disabled()).hardenedProc(false).build();
        userns = hardened.toBuilder().rootInUserNamespace().build();
        seccompOnly = hardened.toBuilder().hardenedProc(false).build();
        procMaskingOnly = hardened.toBuilder().seccomp(SeccompPolicy.disabled()).build();
    }

    @Benchmark
    public JobResult hardenedDefaults() throws Exception {
        return StartBenchmark.run(hardened);
    }

    @Benchmark
    public JobResult withoutSeccompAndProcMasking() throws Exception {
        return StartBenchmark.run(relaxed);
    }

    @Benchmark
    public JobResult rootInUserNamespace() throws Exception {
        return StartBenchmark.run(userns);
    }

    /** The seccomp filter without the /proc masks: with {@link #procMaskingOnly}, where the difference goes. */
    @Benchmark
    public JobResult seccompWithoutProcMasking() throws Exception {
        return StartBenchmark.run(seccompOnly);
    }

    @Benchmark
    public JobResult procMaskingWithoutSeccomp() throws Exception {
        return StartBenchmark.run(procMaskingOnly);
    }
}
