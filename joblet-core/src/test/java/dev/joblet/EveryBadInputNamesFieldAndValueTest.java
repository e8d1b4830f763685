package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.joblet.cgroups.IoLimit;
import dev.joblet.engine.StandardPolicy;
import dev.joblet.engine.SubmitOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input to the public API of joblet-core fails at once with an {@link IllegalArgumentException} or a
 * {@link NullPointerException} (a {@link JobStartException} for what only the start can see) whose message names the
 * field and the value, in the house format {@code field (value) what is wrong}. The first 20 rows are the inputs
 * issue 16 found without one (bare NullPointerExceptions, "long overflow", a negative pidsMax, an unsigned uid, the
 * helper's EMSGSIZE, a runtime directory listing /etc as installed runtimes); the rest come from a sweep of every
 * public builder, factory and record of the module.
 */
class EveryBadInputNamesFieldAndValueTest {

    /** One bad input: what it calls, and the field and the value its message must name. */
    record Case(String name, ThrowingRunnable call, String field, String value) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Case c(String name, ThrowingRunnable call, String field, String value) {
        return new Case(name, call, field, value);
    }

    private static JobSpec.Builder b() {
        return Joblet.builder().command("true");
    }

    private static final String LONG_MAX = String.valueOf(Long.MAX_VALUE);

    static Stream<Arguments> cases() {
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("A", null);
        Map<String, String> nullName = new HashMap<>();
        nullName.put(null, "x");
        List<String> tooManyArgs = new ArrayList<>(Collections.nCopies(1000, "x".repeat(1000)));
        tooManyArgs.add(0, "echo");
        List<Case> cases = List.of(
                // ---- the 20 of issue 16 ----
                c("hostname null", () -> b().hostname(null), "hostname", "(null)"),
                c("tty rows 0", () -> b().tty(0, 80), "tty rows", "(0)"),
                c("tty columns 65536", () -> b().tty(24, 65536), "tty columns", "(65536)"),
                c("workdir null", () -> b().workdir(null), "workdir", "(null)"),
                c("stdin null", () -> b().stdin(null), "stdin", "(null)"),
                c("capabilities null array", () -> b().capabilities((Capability[]) null), "capabilities", "(null)"),
                c("capabilities null element", () -> b().capabilities(Capability.CHOWN, null), "capabilities element 1",
                        "(null)"),
                c("env map null", () -> b().env((Map<String, String>) null), "env", "(null)"),
                c("env map null value", () -> b().env(nullValue), "env value of A", "(null)"),
                c("env map null name", () -> b().env(nullName), "env name", "(null)"),
                c("command list null", () -> b().command((List<String>) null), "command", "(null)"),
                c("command array null", () -> b().command((String[]) null), "command", "(null)"),
                c("command null element", () -> b().command("echo", null), "command element 1", "(null)"),
                c("cpus string null", () -> b().cpus((String) null), "cpus", "(null)"),
                c("volume source null", () -> b().volume((Path) null, "/data"), "volume source", "(null)"),
                c("timeout null", () -> b().timeout(null), "timeout", "(null)"),
                c("memory size overflow GiB", () -> MemorySize.ofGigabytes(Long.MAX_VALUE), "memory size",
                        "(" + LONG_MAX + " GiB)"),
                c("memory size overflow parse", () -> MemorySize.parse("9999999999999999999t"), "memory size",
                        "(9999999999999999999t)"),
                c("pidsMax Long.MAX_VALUE", () -> b().pidsMax(Long.MAX_VALUE), "pidsMax", "(" + LONG_MAX + ")"),
                c("user -1 -1", () -> b().user(-1, -1), "uid", "(-1)"),
                c("argv over the helper's limit", () -> Joblet.builder().command(tooManyArgs).build(), "command",
                        "(1004008 bytes in 1001 arguments)"),
                c("env over the helper's limit", () -> {
                    JobSpec.Builder x = b();
                    for (int i = 0; i < 1000; i++) {
                        x.env("V" + i, "v".repeat(1000));
                    }
                    x.build();
                }, "env", "1000 variables"),
                c("runtime directory /etc/passwd", () -> Runtimes.resolve(JobRuntime.directory(Path.of("/etc/passwd"))),
                        "runtime directory", "(/etc/passwd)"),
                // ---- the sweep: JobSpec.Builder ----
                c("one argument over MAX_ARG_STRLEN", () -> b().command("echo", "x".repeat(200_000)).build(),
                        "command element 1", "(200001 bytes"),
                c("one variable over MAX_ARG_STRLEN", () -> b().env("BIG", "x".repeat(200_000)).build(), "env BIG",
                        "(200005 bytes"),
                c("runtime null", () -> b().runtime(null), "runtime", "(null)"),
                c("env name null", () -> b().env(null, "x"), "env name", "(null)"),
                c("env value null", () -> b().env("A", null), "env value of A", "(null)"),
                c("env value NUL", () -> b().env("A", "x\0y"), "env value of A", "(3 characters)"),
                c("workdir NUL", () -> b().workdir("/a\0b"), "workdir", "(/a?b)"),
                c("memory null", () -> b().memory(null), "memory", "(null)"),
                c("memory tiny", () -> b().memory(MemorySize.ofKilobytes(5)), "memory", "(5 KiB)"),
                c("memoryHigh null", () -> b().memoryHigh(null), "memoryHigh", "(null)"),
                c("cpus set null", () -> b().cpus((CpuSet) null), "cpus", "(null)"),
                c("pidsMax above PID_MAX_LIMIT", () -> b().pidsMax(4_194_305), "pidsMax", "(4194305)"),
                c("ioBps zero", () -> b().ioBps(0), "ioBps", "(0)"),
                c("io null", () -> b().io(null), "io", "(null)"),
                c("network null", () -> b().network(null), "network", "(null)"),
                c("publish port 0", () -> b().publish(0, 80), "publish jobPort", "(0)"),
                c("publish host port 70000", () -> b().publish(80, 70000), "publish hostPort", "(70000)"),
                c("volume null", () -> b().volume((Volume) null), "volume", "(null)"),
                c("volume target null", () -> b().volume(Path.of("/tmp"), null), "volume target", "(null)"),
                c("memoryVolume target null", () -> b().memoryVolume(null, MemorySize.ofMegabytes(1)),
                        "memory volume target", "(null)"),
                c("memoryVolume size null", () -> b().memoryVolume("/scratch", null), "memory volume size", "(null)"),
                c("stopGrace null", () -> b().stopGrace(null), "stopGrace", "(null)"),
                c("stopGrace negative", () -> b().stopGrace(Duration.ofSeconds(-1)), "stopGrace", "(PT-1S)"),
                c("timeout negative", () -> b().timeout(Duration.ofSeconds(Long.MIN_VALUE)), "timeout",
                        "(" + Duration.ofSeconds(Long.MIN_VALUE) + ")"),
                c("workspaceSize null", () -> b().workspaceSize(null), "workspaceSize", "(null)"),
                c("tmpSize null", () -> b().tmpSize(null), "tmpSize", "(null)"),
                c("tmpSize one byte", () -> b().tmpSize(MemorySize.ofBytes(1)), "tmpSize", "(1 bytes) must be at least 1 MiB"),
                c("workspaceSize a page", () -> b().workspaceSize(MemorySize.ofKilobytes(4)), "workspaceSize",
                        "(4 KiB) must be at least 1 MiB"),
                c("writableLayer one byte", () -> b().writableLayer(MemorySize.ofBytes(1)), "writableLayer", "(1 bytes)"),
                c("outputBuffer null", () -> b().outputBuffer(null), "outputBuffer", "(null)"),
                c("outputBuffer huge", () -> b().outputBuffer(MemorySize.ofGigabytes(8)), "outputBuffer", "(8 GiB)"),
                c("writableLayer null", () -> b().writableLayer(null), "writableLayer", "(null)"),
                c("logSpill null", () -> b().logSpill(null), "logSpill", "(null)"),
                c("logSpill relative", () -> b().logSpill(Path.of("spill")), "logSpill", "(spill)"),
                c("upload null", () -> b().upload(null), "upload", "(null)"),
                c("seccomp null", () -> b().seccomp(null), "seccomp", "(null)"),
                c("rlimit resource null", () -> b().rlimit(null, 1, 1), "rlimit resource", "(null)"),
                c("rlimit negative", () -> b().rlimit(ResourceLimit.NOFILE, -5, 10), "rlimit NOFILE", "(-5/10)"),
                c("user uid -1 gid ok", () -> b().user(-1, 1000), "uid", "(-1)"),
                c("user gid negative", () -> b().user(1000, Integer.MIN_VALUE), "gid", "(" + Integer.MIN_VALUE + ")"),
                c("rootInUserNamespace -1", () -> b().rootInUserNamespace(-1, 1000), "host uid", "(-1)"),
                c("cpuWeight 10001", () -> b().cpuWeight(10_001), "cpuWeight", "(10001)"),
                // ---- MemorySize ----
                c("memory size negative KiB", () -> MemorySize.ofKilobytes(-1), "memory size", "(-1 KiB)"),
                c("memory size negative GiB", () -> MemorySize.ofGigabytes(-2), "memory size", "(-2 GiB)"),
                c("memory size negative bytes", () -> MemorySize.ofBytes(-3), "memory size", "(-3 bytes)"),
                c("memory size overflow KiB", () -> MemorySize.ofKilobytes(Long.MAX_VALUE), "memory size",
                        "(" + LONG_MAX + " KiB)"),
                c("memory size overflow MiB", () -> MemorySize.ofMegabytes(Long.MAX_VALUE / 2), "memory size",
                        "(" + Long.MAX_VALUE / 2 + " MiB)"),
                c("memory size parse negative", () -> MemorySize.parse("-5m"), "memory size", "(-5m)"),
                c("memory size parse junk", () -> MemorySize.parse("lots"), "memory size", "(lots)"),
                c("memory size parse null", () -> MemorySize.parse(null), "memory size", "(null)"),
                // ---- CpuSet ----
                c("CpuSet.parse null", () -> CpuSet.parse(null), "cpus", "(null)"),
                c("CpuSet.parse junk", () -> CpuSet.parse("0-x"), "cpus", "(0-x)"),
                c("CpuSet.of null", () -> CpuSet.of(null), "cpus", "(null)"),
                c("CpuSet.of empty", () -> CpuSet.of(new BitSet()), "cpus", "({})"),
                c("CpuSet.of huge", () -> {
                    BitSet s = new BitSet();
                    s.set(100_000);
                    CpuSet.of(s);
                }, "cpus", "({100000})"),
                // ---- Volume, MemoryVolume ----
                c("Volume source null", () -> new Volume(null, "/x", false), "volume source", "(null)"),
                c("Volume target relative", () -> new Volume(Path.of("/tmp"), "x", false), "volume target", "(x)"),
                c("Volume.named null", () -> Volume.named(null), "volume name", "(null)"),
                c("Volume.named bad", () -> Volume.named("../x"), "volume name", "(../x)"),
                c("Volume.ownedByJob top-level", () -> new Volume(Path.of("/srv"), "/x", true).ownedByJob(),
                        "volume source", "(/srv)"),
                c("Volume handed over read-only", () -> new Volume(Path.of("/srv/x"), "/x", false, true), "volume source",
                        "(/srv/x)"),
                c("MemoryVolume size small", () -> new MemoryVolume("/m", MemorySize.ofBytes(10)), "memory volume size",
                        "(10 bytes)"),
                // ---- IoLimit ----
                c("IoLimit.device null", () -> IoLimit.device(null), "io device", "(null)"),
                c("IoLimit negative major", () -> new IoLimit(-1, 0, 1, 0, 0, 0), "io device", "(-1:0)"),
                c("IoLimit negative bps", () -> new IoLimit(8, 0, -1, 0, 0, 0), "readBps", "(-1)"),
                // ---- JobRuntime ----
                c("Runtime.named null", () -> JobRuntime.named(null), "runtime", "(null)"),
                c("Runtime.directory null", () -> JobRuntime.directory(null), "runtime directory", "(null)"),
                c("Runtime.directory relative", () -> JobRuntime.directory(Path.of("rt")), "runtime directory", "(rt)"),
                c("runtime directory missing", () -> Runtimes.resolve(JobRuntime.directory(Path.of("/no/such/rt"))),
                        "runtime directory", "(/no/such/rt)"),
                // ---- Upload ----
                c("Upload.file source null", () -> Upload.file(null, "x"), "upload source", "(null)"),
                c("Upload.file target null", () -> Upload.file(Path.of("/etc/hostname"), null), "upload target", "(null)"),
                c("Upload.file target absolute", () -> Upload.file(Path.of("/etc/hostname"), "/x"), "upload target",
                        "(/x)"),
                c("Upload.directory null", () -> Upload.directory(null, "."), "upload directory", "(null)"),
                c("Upload.bytes null", () -> Upload.bytes(null, "x"), "upload bytes", "(null)"),
                c("Upload.bytes target ..", () -> Upload.bytes(new byte[1], "../x"), "upload target", "(../x)"),
                // ---- PrivateNetwork ----
                c("network name null", () -> Network.builder(null, "10.9.0.0/24"), "network name", "(null)"),
                c("network cidr null", () -> Network.builder("n1", null), "cidr", "(null)"),
                c("network cidr junk", () -> Network.builder("n1", "10.9.0.0/33"), "cidr", "(10.9.0.0/33)"),
                c("network bad name", () -> Network.builder("N_1", "10.9.0.0/24"), "network name", "(N_1)"),
                c("egress cidr null", () -> Network.builder("n1", "10.9.0.0/24").allowEgress(null), "egress cidr",
                        "(null)"),
                c("egress port", () -> Network.builder("n1", "10.9.0.0/24").allowEgress("10.1.0.0/16", 70000),
                        "egress port", "(70000)"),
                c("network pool", () -> Network.builder("n1", "10.9.0.0/24").pool(65), "pool", "(65)"),
                // ---- SeccompPolicy ----
                c("seccomp allow null array", () -> SeccompPolicy.defaults().allow((String[]) null), "seccomp allow",
                        "(null)"),
                c("seccomp allow null name", () -> SeccompPolicy.defaults().allow((String) null), "seccomp syscall",
                        "(null)"),
                c("seccomp allow unknown", () -> SeccompPolicy.defaults().allow("nosuchcall"), "seccomp syscall",
                        "(nosuchcall)"),
                c("seccomp deny null array", () -> SeccompPolicy.defaults().deny((String[]) null), "seccomp deny",
                        "(null)"),
                c("seccomp deny execve", () -> SeccompPolicy.defaults().deny("execve"), "seccomp deny", "(execve)"),
                // ---- engine: SubmitOptions, StandardPolicy ----
                c("startAfter null", () -> SubmitOptions.defaults().startAfter(null), "startAfter", "(null)"),
                c("startAfter negative", () -> SubmitOptions.defaults().startAfter(Duration.ofSeconds(-5)), "startAfter",
                        "(PT-5S)"),
                c("startAt null", () -> SubmitOptions.defaults().startAt(null), "startAt", "(null)"),
                c("priority", () -> SubmitOptions.defaults().priority(5000), "priority", "(5000)"),
                c("cores negative", () -> SubmitOptions.defaults().cores(-1), "cores", "(-1)"),
                c("agingStep null", () -> StandardPolicy.builder().agingStep(null), "agingStep", "(null)"),
                c("agingStep negative", () -> StandardPolicy.builder().agingStep(Duration.ofMinutes(-1)), "agingStep",
                        "(PT-1M)"),
                c("memoryBudget null", () -> StandardPolicy.builder().memoryBudget(null), "memoryBudget", "(null)"),
                c("memoryBudget zero", () -> StandardPolicy.builder().memoryBudget(MemorySize.ofBytes(0)),
                        "memoryBudget", "(0 bytes)"),
                c("maxConcurrent", () -> StandardPolicy.builder().maxConcurrent(0), "maxConcurrent", "(0)"),
                // ---- SseEncoder ----
                c("sse retry null", () -> new SseEncoder().retry(null), "retry", "(null)"),
                c("sse retry negative", () -> new SseEncoder().retry(Duration.ofMillis(-1)), "retry", "(PT-0.001S)"));
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void namesTheFieldAndTheValue(Case k) {
        Throwable t = catchThrowable(k.call()::run);
        assertThat(t).as(k.name()).isNotNull();
        assertThat(t).as(k.name() + ": %s", t)
                .isInstanceOfAny(IllegalArgumentException.class, NullPointerException.class, JobStartException.class);
        assertThat(t.getMessage()).as(k.name()).contains(k.field()).contains(k.value());
        assertThat(t.getMessage()).as(k.name() + ": no overflow leaks into the message")
                .doesNotContain("overflow").doesNotContain("4294967295");
    }

    @Test
    void aRuntimeDirectoryThatIsAFileListsNoInstalledRuntimes() {
        Throwable t = catchThrowable(() -> Runtimes.resolve(JobRuntime.directory(Path.of("/etc/passwd"))));
        assertThat(t).isInstanceOf(JobStartException.class)
                .hasMessageContaining("runtime directory (/etc/passwd) is not a directory")
                .hasMessageNotContaining("installed");
    }

    @Test
    void theLimitsAreNamedInTheMessages() {
        List<String> argv = new ArrayList<>(Collections.nCopies(1000, "x".repeat(1000)));
        argv.add(0, "echo");
        assertThat(catchThrowable(() -> Joblet.builder().command(argv).build()))
                .hasMessageContaining("the limit of " + JobSpec.MAX_ARGS_AND_ENV_BYTES + " bytes");
        assertThat(catchThrowable(() -> b().pidsMax(Long.MAX_VALUE))).hasMessageContaining("PID_MAX_LIMIT");
        // Just under the limit is accepted: the check is no tighter than it says.
        List<String> fits = new ArrayList<>(Collections.nCopies(700, "x".repeat(1000)));
        fits.add(0, "echo");
        assertThat(Joblet.builder().command(fits).build().command()).hasSize(701);
        assertThat(b().pidsMax(JobSpec.MAX_PIDS).build().pidsMax()).isEqualTo(JobSpec.MAX_PIDS);
    }
}
