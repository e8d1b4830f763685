package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.Joblet;
import dev.joblet.LogEvent;
import dev.joblet.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * Log delivery: throughput of {@code head -c 1G /dev/zero} from a job to a {@link Flow.Subscriber} against
 * reading the same command's stdout through ProcessBuilder, and the latency from a write in a job to its
 * delivery to a subscriber. Needs root:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar LogBenchmark -f 1</pre>
 */
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LogBenchmark {
    /** One GiB through ProcessBuilder's stdout pipe, read in 64 KiB blocks. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 6)
    public double processBuilderHead1G() throws Exception {
        return LogThroughput.processBuilder();
    }

    /** One GiB from a job to a subscriber of its log (every byte delivered or reported in a gap event; losses are printed). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 6)
    public double jobletSubscriberHead1G() throws Exception {
        AtomicLong lost = new AtomicLong();
        double seconds = LogThroughput.joblet(lost);
        if (lost.get() > 0) { // the job is never slowed: a subscriber that falls behind is told what it lost
            System.err.println("subscriber fell behind: " + lost + " bytes reported lost in gap events");
        }
        return seconds;
    }

    /** A job that copies a FIFO (written by the benchmark) to its stdout, and a subscriber that signals each byte. */
    @State(Scope.Benchmark)
    public static class Echo {
        Path dir;
        Job job;
        OutputStream fifo;
        final Semaphore delivered = new Semaphore(0);

        @Setup(Level.Trial)
        public void setup() throws Exception {
            dir = Files.createTempDirectory("joblet-latency");
            Path f = dir.resolve("in");
            check(new ProcessBuilder("mkfifo", "-m", "644", f.toString()).start().waitFor() == 0, "mkfifo " + f);
            // jobs run as nobody: the FIFO's directory must be searchable by others, or cat never opens it and
            // the open below waits forever
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            job = Joblet.builder().volume(new Volume(dir, "/in", false)).command("cat", "/in/in").start();
            job.logs().live().subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(LogEvent e) {
                    delivered.release((int) (e.endOffset() - e.offset()));
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onComplete() {}
            });
            fifo = Files.newOutputStream(f); // blocks until cat opened it
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            fifo.close();
            job.close();
            Files.deleteIfExists(dir.resolve("in"));
            Files.deleteIfExists(dir);
        }
    }

    /** Latency from a byte written into the job (via cat) to its delivery to a subscriber: see p50 and p99. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 2, time = 3)
    @Measurement(iterations = 5, time = 3)
    public void writeToDeliveryLatency(Echo echo) throws Exception {
        echo.fifo.write('x');
        echo.fifo.flush();
        check(echo.delivered.tryAcquire(10, TimeUnit.SECONDS), "no delivery within 10 s");
    }

    /** The same path without Joblet: a byte through {@code cat} started by ProcessBuilder. */
    @State(Scope.Benchmark)
    public static class PlainEcho {
        Process cat;
        OutputStream in;
        InputStream out;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            cat = new ProcessBuilder("cat").start();
            in = cat.getOutputStream();
            out = cat.getInputStream();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            in.close();
            cat.waitFor();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 2, time = 3)
    @Measurement(iterations = 5, time = 3)
    public int processBuilderCatLatency(PlainEcho e) throws IOException {
        e.in.write('x');
        e.in.flush();
        return e.out.read();
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
