package dev.joblet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.MemorySize;
import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live interpreters: state persists between cells, values and tracebacks come back, timeouts and crashes keep the session. */
@NeedsRoot("for namespaces and cgroups")
class CodeSessionTest {
    @TempDir
    Path root;

    private Sandbox sandbox() {
        return Sandbox.builder().sessionRoot(root).build();
    }

    @Test
    void pythonKeepsVariablesImportsAndFilesAndShowsTheLastValue() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            CellResult first = s.runCode("import math\nx = 41\nprint('hello')\nopen('f.txt', 'w').write('kept')");
            assertThat(first.status()).as(first.toToolText()).isEqualTo(CellResult.Status.OK);
            assertThat(first.stdout()).isEqualTo("hello\n");
            assertThat(first.value()).contains("4"); // write() returns the count, as a notebook shows it
            CellResult sum = s.runCode("sum(range(10))");
            assertThat(sum.value()).contains("45");
            assertThat(s.runCode("x + 1, math.floor(2.5)").value()).contains("(42, 2)");
            assertThat(s.runCode("x = None\nx").value()).isEmpty(); // None shows nothing, as in a notebook
            assertThat(s.runCode("open('f.txt').read()").value()).contains("'kept'");
            assertThat(new String(s.get("f.txt"), StandardCharsets.UTF_8)).isEqualTo("kept"); // same /work
            assertThat(s.run(Language.BASH, "cat /work/f.txt").stdout()).isEqualTo("kept");
        }
    }

    @Test
    void anErrorComesBackWithItsTracebackAndKeepsTheState() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            s.runCode("y = 7\ndef f():\n    return 1 / 0");
            CellResult r = s.runCode("f()");
            assertThat(r.status()).isEqualTo(CellResult.Status.ERROR);
            CellResult.Failure e = r.error().orElseThrow();
            assertThat(e.name()).isEqualTo("ZeroDivisionError");
            assertThat(e.message()).isEqualTo("division by zero");
            assertThat(e.traceback()).contains("in f", "return 1 / 0", "ZeroDivisionError: division by zero")
                    .doesNotContain("<string>"); // the kernel's own frames are not shown
            assertThat(r.stderr()).contains("ZeroDivisionError");
            assertThat(s.runCode("y").value()).contains("7");
            assertThat(s.runCode("def broken(:").error().orElseThrow().name()).isEqualTo("SyntaxError");
        }
    }

    @Test
    void aCellPastItsTimeoutIsInterruptedAndTheSessionKeepsItsState() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            s.runCode("import time\nz = 'still here'");
            CellResult slow = s.runCode(Language.PYTHON3, "print('started', flush=True)\ntime.sleep(60)",
                    Duration.ofMillis(500), OutputListener.NONE);
            assertThat(slow.status()).as(slow.toToolText()).isEqualTo(CellResult.Status.TIMED_OUT);
            assertThat(slow.restarted()).isFalse();
            assertThat(slow.stdout()).isEqualTo("started\n");
            assertThat(slow.error().orElseThrow().name()).isEqualTo("KeyboardInterrupt");
            assertThat(s.runCode("z").value()).contains("'still here'");
            // a cell that ignores the interrupt is killed; its interpreter restarts, and the result says so
            CellResult stubborn = s.runCode(Language.PYTHON3,
                    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)", Duration.ofMillis(300),
                    OutputListener.NONE);
            assertThat(stubborn.status()).isEqualTo(CellResult.Status.TIMED_OUT);
            assertThat(stubborn.restarted()).isTrue();
            assertThat(stubborn.message()).contains("restarted");
            assertThat(s.runCode("1 + 1").value()).contains("2");
        }
    }

    @Test
    void aCrashedInterpreterIsRestartedAndReported() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            s.runCode("v = 1");
            CellResult exit = s.runCode("import os\nos._exit(3)");
            assertThat(exit.status()).isEqualTo(CellResult.Status.CRASHED);
            assertThat(exit.restarted()).isTrue();
            assertThat(exit.message()).contains("exit 3", "earlier state is lost");
            assertThat(s.runCode("v").error().orElseThrow().name()).isEqualTo("NameError");
            CellResult segv = s.runCode("import ctypes\nctypes.string_at(0)");
            assertThat(segv.status()).isEqualTo(CellResult.Status.CRASHED);
            assertThat(segv.message()).contains("signal 11");
            assertThat(s.runCode("2 * 21").value()).contains("42");
        }
    }

    @Test
    void aSessionJobKilledForMemoryIsReplacedAtTheNextCell() throws Exception {
        Sandbox small = Sandbox.builder().sessionRoot(root).memory(MemorySize.ofMegabytes(64)).build();
        try (SandboxSession s = small.openSession()) {
            CellResult oom = s.runCode("b = b'x' * (512 * 1024 * 1024)");
            assertThat(oom.status()).as(oom.toToolText()).isIn(CellResult.Status.CRASHED, CellResult.Status.ERROR);
            if (oom.status() == CellResult.Status.CRASHED) {
                assertThat(oom.restarted()).isTrue();
            } else {
                assertThat(oom.error().orElseThrow().name()).isEqualTo("MemoryError");
            }
            assertThat(s.runCode("3 * 3").value()).contains("9");
        }
    }

    @Test
    void bashKeepsVariablesFunctionsAndTheDirectory() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            CellResult a = s.runCode(Language.BASH, "A=5; greet() { echo \"hi $1\"; }; mkdir -p d; cd d; echo start");
            assertThat(a.stdout()).isEqualTo("start\n");
            assertThat(a.exitCode()).hasValue(0);
            CellResult b = s.runCode(Language.BASH, "greet $A; pwd");
            assertThat(b.stdout()).isEqualTo("hi 5\n/work/d\n");
            CellResult f = s.runCode(Language.BASH, "false");
            assertThat(f.status()).isEqualTo(CellResult.Status.ERROR);
            assertThat(f.exitCode()).hasValue(1);
            CellResult slow = s.runCode(Language.BASH, "sleep 60", Duration.ofMillis(300), OutputListener.NONE);
            assertThat(slow.status()).isEqualTo(CellResult.Status.TIMED_OUT);
            assertThat(slow.restarted()).isFalse();
            assertThat(s.runCode(Language.BASH, "echo $A").stdout()).isEqualTo("5\n");
            // python cells are another interpreter, on the same /work
            assertThat(s.runCode("import os\nos.path.isdir('/work/d')").value()).contains("True");
        }
    }

    @Test
    void nodeKeepsGlobalsAndShowsTheLastValue() throws Exception {
        Assumptions.assumeTrue(onPath("node"), "no node on this host's PATH (the host runtime has no Node.js)");
        try (SandboxSession s = sandbox().openSession()) {
            assertThat(s.runCode(Language.NODE, "let n = 6; const sq = (x) => x * x; sq(n)").value()).contains("36");
            assertThat(s.runCode(Language.NODE, "n + 1").value()).contains("7");
            CellResult e = s.runCode(Language.NODE, "null.x");
            assertThat(e.error().orElseThrow().name()).isEqualTo("TypeError");
            CellResult loop = s.runCode(Language.NODE, "while (true) {}", Duration.ofMillis(300), OutputListener.NONE);
            assertThat(loop.status()).isEqualTo(CellResult.Status.TIMED_OUT);
            assertThat(s.runCode(Language.NODE, "n").value()).contains("6");
        }
    }

    @Test
    void outputStreamsWhileTheCellRuns() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            StringBuffer out = new StringBuffer();
            StringBuffer err = new StringBuffer();
            Path go = s.hostDirectory().resolve("go");
            // the cell cannot end until the listener saw its first line: it waits for the file the listener writes
            CellResult r = s.runCode(Language.PYTHON3,
                    "import os, time, sys\nprint('tick', flush=True)\nprint('warn', file=sys.stderr, flush=True)\n"
                            + "while not os.path.exists('/work/go'): time.sleep(0.01)\nprint('done')",
                    Duration.ofSeconds(20), new OutputListener() {
                        @Override
                        public void stdout(String text) {
                            out.append(text);
                            if (out.toString().contains("tick")) {
                                touch(go);
                            }
                        }

                        @Override
                        public void stderr(String text) {
                            err.append(text);
                        }
                    });
            assertThat(r.status()).as(r.toToolText()).isEqualTo(CellResult.Status.OK);
            assertThat(r.stdout()).isEqualTo("tick\ndone\n");
            assertThat(out.toString()).isEqualTo("tick\ndone\n"); // chunks, not lines: print writes the text, then "\n"
            assertThat(err.toString()).isEqualTo("warn\n");
            assertThat(r.stderr()).isEqualTo("warn\n");
        }
    }

    @Test
    void aBackgroundProcessSurvivesLaterCellsUntilItEndsOrIsKilled() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            List<String> lines = new CopyOnWriteArrayList<>();
            BackgroundProcess writer = s.start("for i in 1 2 3; do echo line$i; echo line$i >> /work/log; done; "
                    + "while [ ! -e /work/stop ]; do sleep 0.05; done; echo bye; exit 4", new OutputListener() {
                        @Override
                        public void stdout(String text) {
                            lines.add(text);
                        }
                    });
            assertThat(writer.id()).startsWith("b");
            CellResult c = s.runCode(Language.BASH, "while [ \"$(wc -l < /work/log 2>/dev/null)\" != 3 ]; do sleep 0.05; done; cat /work/log");
            assertThat(c.stdout()).isEqualTo("line1\nline2\nline3\n");
            assertThat(s.runCode("1").value()).contains("1");
            assertThat(writer.isAlive()).isTrue(); // outlived two cells
            s.runCode(Language.BASH, "touch /work/stop");
            assertThat(writer.waitFor(Duration.ofSeconds(20))).contains("exit 4");
            assertThat(writer.exitCode()).contains(4);
            assertThat(writer.stdout()).isEqualTo("line1\nline2\nline3\nbye\n");
            assertThat(String.join("", lines)).isEqualTo("line1\nline2\nline3\nbye\n");

            BackgroundProcess sleeper = s.start("sleep 1000");
            sleeper.kill();
            assertThat(sleeper.waitFor(Duration.ofSeconds(20))).contains("signal 9");
            assertThat(sleeper.exitCode()).contains(137);
        }
    }

    @Test
    void closeEndsTheInterpretersBackgroundProcessesThreadsAndFiles() throws Exception {
        String marker = "joblet-marker-" + UUID.randomUUID();
        SandboxSession s = sandbox().openSession();
        s.runCode("import time\nt = 1");
        BackgroundProcess bg = s.start("exec -a " + marker + " sleep 1000");
        s.runCode(Language.BASH, "until pgrep -f " + marker + " > /dev/null; do sleep 0.05; done");
        assertThat(hostProcessesNamed(marker)).isEqualTo(1);
        assertThat(readerThreads()).isPositive();
        Path dir = s.hostDirectory();
        s.close();
        assertThat(hostProcessesNamed(marker)).isZero();
        assertThat(bg.isAlive()).isFalse();
        assertThat(readerThreads()).isZero();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(() -> s.runCode("t")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("runCode: the session is closed");
        assertThatThrownBy(() -> s.start("true")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badCellsAreRefusedNamingTheField() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            assertThatThrownBy(() -> s.runCode("a\0b")).hasMessage("code must not contain NUL characters");
            assertThatThrownBy(() -> s.runCode(Language.PYTHON3, "1", Duration.ZERO, OutputListener.NONE))
                    .hasMessage("timeout (PT0S) must be positive");
            assertThatThrownBy(() -> s.start(" ")).hasMessageContaining("command ( ) must be non-blank");
        }
    }

    @Test
    void readySessionsAreHandedOutAndClosedWithTheSandbox() throws Exception {
        Sandbox pooled = Sandbox.builder().sessionRoot(root).readySessions(1).build();
        try (SandboxSession first = pooled.openSession()) {
            assertThat(first.runCode("40 + 2").value()).contains("42");
            try (SandboxSession second = pooled.openSession()) { // the pool's, or a fresh one if not ready yet
                assertThat(second.runCode("'ok'").value()).contains("'ok'");
                assertThat(second.hostDirectory()).isNotEqualTo(first.hostDirectory());
            }
        }
        pooled.close();
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).isEmpty(); // the ready session not handed out was closed with the sandbox
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("joblet-session-pool"));
        assertThatThrownBy(pooled::openSession).isInstanceOf(IllegalStateException.class)
                .hasMessage("openSession: the sandbox is closed");
    }

    private static void touch(Path p) {
        try {
            Files.writeString(p, "");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }

    private static long readerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("joblet-cell-reader")).count();
    }

    private static long hostProcessesNamed(String marker) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).filter(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).startsWith(marker);
                } catch (IOException e) {
                    return false; // ended meanwhile
                }
            }).count();
        }
    }
}
