package dev.joblet.benchmarks;

import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobRuntime;
import dev.joblet.Runtimes;
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
 * A job on the python-3.11-ml runtime against the host runtime ({@code /bin/true}), and {@code python3 -c 'import
 * numpy'} in such a job against ProcessBuilder running the host's own python3 (whatever numpy the host has) and
 * chroot(8) into the runtime's tree (the same files, no sandbox: the like-for-like baseline). Needs root and the runtime installed
 * ({@code rnx runtime install python-3.11-ml}; {@code -jvmArgsAppend -Djoblet.runtimes=DIR} for another root):
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RuntimeBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 4)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RuntimeBenchmark {
    private static final String NUMPY = "import numpy";
    private JobSpec hostTrue;
    private JobSpec mlTrue;
    private JobSpec mlNumpy;
    private JobSpec mlNumpyNoCgroup;
    private String mlRoot;

    @Setup
    public void setup() throws IOException {
        if (!Runtimes.system().validate("python-3.11-ml").isEmpty()) {
            throw new IllegalStateException("python-3.11-ml is not installed under " + Runtimes.system().root()
                    + ": " + Runtimes.system().validate("python-3.11-ml"));
        }
        JobRuntime ml = JobRuntime.named("python-3.11-ml");
        mlRoot = Runtimes.system().info("python-3.11-ml").orElseThrow().rootfs().toString();
        hostTrue = Joblet.builder().command("/bin/true").build();
        mlTrue = Joblet.builder().runtime(ml).command("/bin/true").build();
        mlNumpy = Joblet.builder().runtime(ml).command("python3", "-c", NUMPY).build();
        mlNumpyNoCgroup = mlNumpy.toBuilder().pidsMax(0).noMemoryLimit().build();
    }

    @Benchmark
    public JobResult startHostRuntime() throws Exception {
        return StartBenchmark.run(hostTrue);
    }

    @Benchmark
    public JobResult startPythonMlRuntime() throws Exception {
        return StartBenchmark.run(mlTrue);
    }

    @Benchmark
    public int numpyOnTheHost() throws IOException, InterruptedException {
        int rc = new ProcessBuilder("python3", "-c", NUMPY).start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException("the host's python3 cannot import numpy (exit " + rc + ")");
        }
        return rc;
    }

    /** The same files as the job's, without a sandbox: chroot(8) into the runtime's tree. */
    @Benchmark
    public int numpyChrootIntoTheRuntime() throws IOException, InterruptedException {
        int rc = new ProcessBuilder("chroot", mlRoot, "python3", "-c", NUMPY).start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException("chroot python3 cannot import numpy (exit " + rc + ")");
        }
        return rc;
    }

    @Benchmark
    public JobResult numpyInPythonMlJob() throws Exception {
        return StartBenchmark.run(mlNumpy);
    }

    /** Without a cgroup (no limits, pids limit off): shows what the cgroup attach costs on sporadic starts. */
    @Benchmark
    public JobResult numpyInPythonMlJobNoCgroup() throws Exception {
        return StartBenchmark.run(mlNumpyNoCgroup);
    }
}
