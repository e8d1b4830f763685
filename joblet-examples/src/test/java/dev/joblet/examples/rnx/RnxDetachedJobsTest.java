package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detached-job commands across real rnx processes: run -d in one, then list, status, log, two concurrent
 * stops, delete in others; unknown ids and bad flags get their exit codes.
 */
@NeedsRoot("for detached jobs' cgroups")
class RnxDetachedJobsTest {
    @TempDir
    Path state;

    /** One rnx process (its own JVM) with this state root; stdout and stderr, and the exit status. */
    record Run(int status, String out, String err) {}

    private Run rnx(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djoblet.stateRoot=" + state,
                "-cp", System.getProperty("java.class.path"), Rnx.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(state, "out", ".txt");
        Path err = Files.createTempFile(state, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("rnx %s ended", List.of(args)).isTrue();
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void detachedJobsAreListedFollowedStoppedAndDeletedFromOtherRnxProcesses() throws Exception {
        Run started = rnx("job", "run", "-d", "--name", "ticker", "--max-memory=64", "--", "sh", "-c",
                "echo first; echo oops >&2; exec sleep 600");
        assertThat(started.status()).as(started.err()).isZero();
        String id = started.out().trim();
        assertThat(id).matches("[0-9a-f-]{36}");
        String prefix = id.substring(0, 8);

        Run list = rnx("job", "list");
        assertThat(list.status()).as(list.err()).isZero();
        assertThat(list.out()).contains("ID", "NAME/COMMAND", "STATE", "LIMITS")
                .contains(prefix).contains("ticker").contains("RUNNING").contains("memory=64");

        Run log = rnx("job", "log", prefix);
        assertThat(log.status()).isZero();
        assertThat(log.out()).isEqualTo("first\n");
        assertThat(log.err()).isEqualTo("oops\n");
        Run onlyErr = rnx("job", "log", prefix, "--stream", "stderr", "--json");
        assertThat(onlyErr.out()).contains("\"stream\":\"stderr\"").contains("\"data\":\"oops\\n\"")
                .doesNotContain("first");

        // Two rnx stop at once: the job ends once, stopped; the one that came second says it is not running.
        List<java.util.concurrent.CompletableFuture<Run>> stops = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            stops.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return rnx("job", "stop", prefix, "--grace", "1s");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (java.util.concurrent.CompletableFuture<Run> f : stops) {
            Run r = f.get(180, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.err()).isIn(0, DetachedCommands.EXIT_STATE);
            if (r.status() == DetachedCommands.EXIT_STATE) {
                assertThat(r.err()).contains("is not running");
            }
        }
        Run status = rnx("job", "status", prefix, "--json");
        assertThat(status.out()).contains("\"state\":\"ENDED\"").contains("\"reason\":\"stopped\"")
                .contains("\"name\":\"ticker\"");

        Run again = rnx("job", "stop", prefix);
        assertThat(again.status()).isEqualTo(DetachedCommands.EXIT_STATE);
        assertThat(again.err()).contains("is not running");

        Run delete = rnx("job", "delete", prefix);
        assertThat(delete.status()).as(delete.err()).isZero();
        assertThat(state.resolve("jobs").resolve(id)).doesNotExist();

        Run unknown = rnx("job", "status", prefix);
        assertThat(unknown.status()).isEqualTo(DetachedCommands.EXIT_UNKNOWN);
        assertThat(unknown.err()).contains("no detached job has id \"" + prefix + "\"");
        Run badSince = rnx("job", "log", "0", "--since", "-1");
        assertThat(badSince.status()).isEqualTo(Rnx.EXIT_USAGE);
        assertThat(badSince.err()).contains("--since (-1)");
    }

    /** rnx run -d's JVM exits at once; the job ends later with no JVM running; another rnx reports its end. */
    @Test
    void aJobThatEndsWhileNoRnxRunsShowsItsExitCodeReasonAndUsage() throws Exception {
        Run started = rnx("job", "run", "-d", "--", "sh", "-c", "sleep 2; exit 7");
        assertThat(started.status()).as(started.err()).isZero();
        String id = started.out().trim();
        java.util.Properties st = new java.util.Properties();
        try (var r = Files.newBufferedReader(state.resolve("jobs").resolve(id).resolve("status"))) {
            st.load(r);
        }
        assertThat(st.getProperty("state")).as("running when rnx run -d returned").isEqualTo("running");
        ProcessHandle supervisor = ProcessHandle.of(Long.parseLong(st.getProperty("supervisor_pid"))).orElseThrow();
        assertThat(supervisor.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();

        Run status = rnx("job", "status", id.substring(0, 6), "--json");
        assertThat(status.status()).as(status.err()).isZero();
        assertThat(status.out()).contains("\"state\":\"ENDED\"").contains("\"exitCode\":7")
                .contains("\"reason\":\"exited\"").contains("\"signal\":null")
                .containsPattern("\"memoryPeakBytes\":[1-9][0-9]*").containsPattern("\"cpuUserMicros\":[0-9]+");
        Run text = rnx("job", "status", id.substring(0, 6));
        assertThat(text.out()).contains("ENDED (exited)").contains("code 7");
        assertThat(rnx("job", "delete", id).status()).isZero();
    }

    /**
     * metrics samples a running job's cgroups live (its memory in use grows, it has processes); -f samples each
     * second until the job ends, then prints the final usage and returns; after the end: the final usage only.
     */
    @Test
    void metricsSamplesARunningJobLiveAndFollowsItToItsEnd() throws Exception {
        // Holds ~16 MiB in a shell variable for a while, then ends by itself.
        Run started = rnx("job", "run", "-d", "--max-memory=128", "--", "sh", "-c",
                "x=$(head -c 16777216 /dev/zero | tr '\\0' a); sleep 10; echo ${#x}");
        assertThat(started.status()).as(started.err()).isZero();
        String id = started.out().trim();
        String prefix = id.substring(0, 7);

        Run live = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            live = rnx("job", "metrics", prefix, "--json");
            assertThat(live.status()).as(live.err()).isZero();
            if (live.out().matches("(?s).*\"memoryCurrentBytes\":[0-9]{8,}.*")) {
                break; // the variable is there: 16 MiB and more in use
            }
        }
        assertThat(live.out()).contains("\"id\":\"" + id + "\"").contains("\"live\":true")
                .containsPattern("\"memoryCurrentBytes\":[0-9]{8,}").containsPattern("\"memoryPeakBytes\":[0-9]{8,}")
                .containsPattern("\"pidsCurrent\":[1-9]").containsPattern("\"cpuUserMicros\":[0-9]+")
                .containsPattern("\"ioReadBytes\":-?[0-9]+");
        Run table = rnx("job", "metrics", prefix);
        assertThat(table.out()).contains("CPU_MS", "MEM", "MEM_PEAK", "IO_READ", "PIDS");

        Run followed = rnx("job", "metrics", prefix, "-f", "--json");
        assertThat(followed.status()).as(followed.err()).isZero();
        List<String> lines = followed.out().lines().toList();
        assertThat(lines.size()).as("a sample a second, then the end: %s", lines).isGreaterThanOrEqualTo(2);
        assertThat(lines.subList(0, lines.size() - 1)).allMatch(l -> l.contains("\"live\":true"));
        assertThat(lines.get(lines.size() - 1)).contains("\"live\":false").contains("\"memoryCurrentBytes\":-1")
                .containsPattern("\"memoryPeakBytes\":[0-9]{8,}");

        Run after = rnx("job", "metrics", prefix, "--json");
        assertThat(after.out().lines().toList()).singleElement().asString().contains("\"live\":false")
                .containsPattern("\"memoryPeakBytes\":[0-9]{8,}");
        Run unknown = rnx("job", "metrics", "ffffffff-0");
        assertThat(unknown.status()).isEqualTo(DetachedCommands.EXIT_UNKNOWN);
        assertThat(rnx("job", "delete", id).status()).isZero();
    }
}
