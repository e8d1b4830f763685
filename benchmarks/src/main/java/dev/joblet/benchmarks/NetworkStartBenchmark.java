package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.Network;
import dev.joblet.PrivateNetwork;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each network mode adds to a job's start-to-end ({@code /bin/true}, start + await + close): HOST (no
 * network namespace), NONE (a new namespace in clone3, lo up), a private network (a namespace prepared with
 * {@code ip -batch}, a veth pair on the bridge, address and route, the hosts file; torn down at exit), the same
 * with a published port, the same without the network's pool of ready namespaces, start + await only (the
 * namespace's removal left to the background until the next start), and, for scale, the bare
 * {@code ip netns add + del} pair. Needs root:
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar NetworkStartBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NetworkStartBenchmark {
    private PrivateNetwork network;
    private JobSpec host;
    private JobSpec none;
    private JobSpec privateNet;
    private JobSpec published;
    private PrivateNetwork unpooled;
    private JobSpec unpooledNet;
    private Job previous;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        network = Network.create("bench", "10.232.0.0/24");
        host = Joblet.builder().command("/bin/true").network(Network.HOST).build();
        none = Joblet.builder().command("/bin/true").build();
        privateNet = Joblet.builder().command("/bin/true").network(network).build();
        published = Joblet.builder().command("/bin/true").network(network).publish(8000, 0).build();
        unpooled = Network.builder("bench-nopool", "10.232.1.0/24").pool(0).create();
        unpooledNet = Joblet.builder().command("/bin/true").network(unpooled).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (previous != null) {
            previous.close();
        }
        network.close();
        unpooled.close();
    }

    @Benchmark
    public JobResult host() throws Exception {
        return StartBenchmark.run(host);
    }

    @Benchmark
    public JobResult none() throws Exception {
        return StartBenchmark.run(none);
    }

    @Benchmark
    public JobResult privateNetwork() throws Exception {
        return StartBenchmark.run(privateNet);
    }

    /** The same without the pool: the namespace is made while the job starts. */
    @Benchmark
    public JobResult privateNetworkNoPool() throws Exception {
        return StartBenchmark.run(unpooledNet);
    }

    /**
     * Start + await only, the job closed at the next invocation: how soon a job's result is there, when its
     * namespace's removal (in the background) is not waited for at once.
     */
    @Benchmark
    public JobResult privateNetworkResult() throws Exception {
        if (previous != null) {
            previous.close();
        }
        previous = privateNet.start();
        return previous.await();
    }

    @Benchmark
    public JobResult privateNetworkPublished() throws Exception {
        return StartBenchmark.run(published);
    }

    @Benchmark
    public int ipNetnsAddDel() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "-batch", "-").start();
        p.getOutputStream().write("netns add joblet-bench-ns\nnetns del joblet-bench-ns\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        return p.waitFor();
    }
}
