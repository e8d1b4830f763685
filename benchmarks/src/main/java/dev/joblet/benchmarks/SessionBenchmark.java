package dev.joblet.benchmarks;

import dev.joblet.agent.CellResult;
import dev.joblet.agent.Sandbox;
import dev.joblet.agent.SandboxSession;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
 * How soon a new agent session is usable: {@code openSession()} alone and {@code openSession()} + the first cell
 * ({@code 1 + 1} in Python), from a sandbox with two ready sessions ({@code readySessions(2)}) and from one without
 * (the session job and its interpreter start on the first cell). Each session is closed after its invocation,
 * outside the measured time, which also gives the pool the time to start the next one. Needs root:
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SessionBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SessionBenchmark {
    private Sandbox pooled;
    private Sandbox cold;
    private @Nullable SandboxSession last;

    @Setup(Level.Trial)
    public void setUp() {
        pooled = Sandbox.builder().readySessions(2).build();
        cold = Sandbox.builder().build();
    }

    @TearDown(Level.Invocation)
    public void closeSession() throws InterruptedException {
        if (last != null) {
            last.close();
            last = null;
            Thread.sleep(150); // lets the pool's filler start a replacement, as an agent's think time would
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pooled.close();
        cold.close();
    }

    @Benchmark
    public SandboxSession pooledAcquire() throws IOException {
        SandboxSession s = pooled.openSession();
        last = s;
        return s;
    }

    @Benchmark
    public CellResult pooledAcquireAndFirstCell() throws Exception {
        SandboxSession s = pooled.openSession();
        last = s;
        return check(s.runCode("1 + 1"));
    }

    @Benchmark
    public CellResult coldOpenAndFirstCell() throws Exception {
        SandboxSession s = cold.openSession();
        last = s;
        return check(s.runCode("1 + 1"));
    }

    private static CellResult check(CellResult r) {
        if (!r.value().orElse("").equals("2")) {
            throw new IllegalStateException("unexpected cell result: " + r.toToolText());
        }
        return r;
    }
}
