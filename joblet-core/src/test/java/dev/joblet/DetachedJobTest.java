package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detached jobs within one JVM: the supervisor's log, status, timeout, OOM, stop and delete. */
@NeedsRoot("for detached jobs' cgroups")
class DetachedJobTest {
    @TempDir
    Path state;
    private Joblet joblet;

    @BeforeEach
    void open() {
        joblet = Joblet.create(JobletConfig.builder().stateRoot(state).build());
    }

    @AfterEach
    void close() throws Exception {
        for (DetachedJob j : joblet.jobs()) {
            j.delete(true);
        }
        joblet.close();
    }

    static String text(List<DetachedLog.Entry> entries, DetachedLog.Stream stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long expected = 0;
        for (DetachedLog.Entry e : entries) {
            if (e.stream() == stream) {
                assertThat(e.offset()).as("offset of a record of " + stream).isEqualTo(expected);
                b.writeBytes(e.data());
                expected += e.data().length;
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void bothStreamsAreLoggedWithOffsetsAndTheExitIsRecorded() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder()
                .command("sh", "-c", "echo out1; echo err1 >&2; sleep 0.2; echo out2; exit 3").build(),
                DetachOptions.DEFAULT.withName("two-streams"));
        assertThat(joblet.get(job.id().shortForm()).id()).isEqualTo(job.id());
        DetachedStatus s = job.await(Duration.ofSeconds(30));
        assertThat(s.state()).as(s.toString()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(s.exitCode()).isEqualTo(3);
        assertThat(s.reason()).isEqualTo("exited");
        assertThat(s.name()).isEqualTo("two-streams");
        assertThat(s.command()).containsExactly("sh", "-c", "echo out1; echo err1 >&2; sleep 0.2; echo out2; exit 3");
        assertThat(s.stdoutBytes()).isEqualTo(10);
        assertThat(s.stderrBytes()).isEqualTo(5);
        List<DetachedLog.Entry> all = new ArrayList<>();
        long end = job.follow(0, all::add);
        assertThat(end).isEqualTo(Files.size(job.directory().resolve("log")));
        assertThat(text(all, DetachedLog.Stream.STDOUT)).isEqualTo("out1\nout2\n");
        assertThat(text(all, DetachedLog.Stream.STDERR)).isEqualTo("err1\n");
        assertThat(s.usage().cpuUserMicros()).isNotNegative();
        Path dir = job.directory();
        List<Path> cgroups = cgroupsOf(dir);
        job.delete(false);
        assertThat(dir).doesNotExist();
        for (Path cg : cgroups) {
            assertThat(cg).as("cgroup of the job").doesNotExist();
        }
        assertThatThrownBy(() -> joblet.get(job.id().toString())).isInstanceOf(JobLookupException.class)
                .hasMessageContaining(job.id().toString());
    }

    @Test
    void theFinalUsageRecordsIoAndPidsPeak() throws Exception {
        // Three sleeps at once besides the shell: the pids cgroup saw at least four tasks.
        DetachedJob job = joblet.startDetached(Joblet.builder()
                .command("sh", "-c", "sleep 0.3 & sleep 0.3 & sleep 0.3 & wait").build(), DetachOptions.DEFAULT);
        DetachedStatus s = job.await(Duration.ofSeconds(30));
        assertThat(s.state()).as(s.toString()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(s.usage().pidsPeak()).as(s.toString()).isGreaterThanOrEqualTo(4);
        assertThat(s.usage().ioReadBytes()).as("IO read known").isNotNegative();
        assertThat(s.usage().ioWriteBytes()).as("IO written known").isNotNegative();
        assertThat(s.usage().memoryPeakBytes()).isPositive();
    }

    @Test
    void followingAJobDeletedMeanwhileEndsWithAClearError() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sh", "-c", "echo hi; exec sleep 600").build(),
                DetachOptions.DEFAULT);
        List<DetachedLog.Entry> seen = new ArrayList<>();
        // The sink runs in follow's thread: the job is deleted (as another rnx would) between two reads of its log.
        assertThatThrownBy(() -> job.follow(0, e -> {
            seen.add(e);
            try {
                job.delete(true);
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
        })).isInstanceOf(JobLookupException.class)
                .hasMessageContaining("job " + job.id().shortForm() + " was deleted while its log was followed")
                .hasMessageContaining("offset 27");
        assertThat(text(seen, DetachedLog.Stream.STDOUT)).isEqualTo("hi\n");
        assertThat(job.directory()).doesNotExist();
    }

    @Test
    void theSupervisorKillsItOnTimeout() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sleep", "60").timeout(Duration.ofSeconds(1))
                .build(), DetachOptions.DEFAULT);
        DetachedStatus s = job.await(Duration.ofSeconds(30));
        assertThat(s.state()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(s.reason()).isEqualTo("timeout");
        assertThat(s.signal()).isEqualTo(9);
        assertThat(s.runtimeSoFar()).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void anOomKillIsReportedAsSuch() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder().memory(MemorySize.ofMegabytes(32))
                .command("python3", "-c", "b = bytearray(256 * 1024 * 1024); print('survived')").build(),
                DetachOptions.DEFAULT);
        DetachedStatus s = job.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(s.reason()).as(s.toString()).isEqualTo("oom");
        assertThat(s.signal()).isEqualTo(9);
        assertThat(s.usage().oomKills()).isPositive();
        List<DetachedLog.Entry> all = new ArrayList<>();
        job.follow(0, all::add);
        assertThat(text(all, DetachedLog.Stream.STDOUT)).doesNotContain("survived");
    }

    @Test
    void theLogKeepsEverythingUnderItsCapThenIsCutAndMarkedWhileTheJobRunsOn() throws Exception {
        // 200 KB of output against a 16 KiB cap: the first bytes are logged whole, a cut record says where, and the
        // job still writes all of it and exits 0.
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sh", "-c",
                "head -c 200000 /dev/zero | tr '\\0' x; echo; echo tail-of-stderr >&2").build(),
                DetachOptions.DEFAULT.withLogCap(MemorySize.ofKilobytes(16)));
        DetachedStatus s = job.await(Duration.ofSeconds(30));
        assertThat(s.exitCode()).as(s.toString()).isZero();
        assertThat(s.logCut()).isTrue();
        assertThat(s.logErrno()).isZero();
        assertThat(s.stdoutBytes()).isEqualTo(200_001);
        assertThat(Files.size(job.directory().resolve("log"))).isLessThanOrEqualTo(16 * 1024);
        List<DetachedLog.Entry> all = new ArrayList<>();
        job.follow(0, all::add);
        DetachedLog.Entry cut = all.get(all.size() - 1);
        assertThat(cut.stream()).isEqualTo(DetachedLog.Stream.CUT);
        String out = text(all, DetachedLog.Stream.STDOUT);
        assertThat(out).matches("x+");
        assertThat(out.length()).isGreaterThan(12 * 1024); // all but the headers of the cap
        long stdoutCut = java.nio.ByteBuffer.wrap(cut.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(stdoutCut).isEqualTo(out.length());
        // Under the cap nothing is lost: the same job with a large cap logs every byte.
        DetachedJob whole = joblet.startDetached(Joblet.builder().command("sh", "-c",
                "head -c 200000 /dev/zero | tr '\\0' x; echo").build(), DetachOptions.DEFAULT);
        whole.await(Duration.ofSeconds(30));
        List<DetachedLog.Entry> w = new ArrayList<>();
        whole.follow(0, w::add);
        assertThat(text(w, DetachedLog.Stream.STDOUT)).hasSize(200_001);
        assertThat(whole.status().logCut()).isFalse();
    }

    @Test
    void aJobWhoseSupervisorDiedIsReportedLostAndDeletingItLeavesNothing() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sleep", "600").build(), DetachOptions.DEFAULT);
        DetachedStatus s = job.status();
        assertThat(s.state()).isEqualTo(DetachedStatus.State.RUNNING);
        ProcessHandle supervisor = ProcessHandle.of(s.supervisorPid()).orElseThrow();
        List<ProcessHandle> jobProcesses = supervisor.children().toList();
        assertThat(jobProcesses).isNotEmpty();
        supervisor.destroyForcibly(); // SIGKILL: it records nothing
        supervisor.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        DetachedStatus lost = job.status();
        assertThat(lost.state()).isEqualTo(DetachedStatus.State.LOST);
        assertThat(lost.reason()).contains("supervisor " + s.supervisorPid() + " is gone");
        assertThatThrownBy(() -> job.stop(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lost");
        List<Path> cgroups = cgroupsOf(job.directory());
        job.delete(false);
        assertThat(job.directory()).doesNotExist();
        for (Path cg : cgroups) {
            assertThat(cg).doesNotExist();
        }
        for (ProcessHandle p : jobProcesses) {
            p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void twoStopsAtOnceEndItOnceAndDeleteOfARunningJobIsRefused() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sleep", "600").build(), DetachOptions.DEFAULT);
        assertThatThrownBy(() -> job.delete(false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("running; stop it first");
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Object>> stops = two.invokeAll(List.of(
                    () -> stopOrEnded(joblet.get(job.id().toString())), () -> stopOrEnded(joblet.get(job.id().toString()))));
            for (java.util.concurrent.Future<Object> f : stops) {
                Object r = f.get();
                assertThat(r).isIn("stopped", "not running");
            }
        } finally {
            two.shutdownNow();
        }
        DetachedStatus s = job.status();
        assertThat(s.state()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(s.reason()).isEqualTo("stopped");
        assertThatThrownBy(() -> job.stop(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not running: killed by signal 9 (stopped)");
    }

    private static Object stopOrEnded(DetachedJob j) throws Exception {
        try {
            String reason = j.stop(Duration.ofMillis(200)).reason();
            return reason == null ? "no reason" : reason;
        } catch (IllegalStateException e) {
            return "not running";
        }
    }

    @Test
    void anAmbiguousPrefixNamesEveryCandidate() throws Exception {
        List<DetachedJob> started = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            started.add(joblet.startDetached(Joblet.builder().command("true").build(), DetachOptions.DEFAULT));
        }
        // 12 random ids over 16 first characters: at least two share one.
        java.util.Map<Character, List<String>> byFirst = new java.util.TreeMap<>();
        for (DetachedJob j : started) {
            byFirst.computeIfAbsent(j.id().toString().charAt(0), k -> new ArrayList<>()).add(j.id().toString());
        }
        java.util.Map.Entry<Character, List<String>> shared = byFirst.entrySet().stream()
                .filter(e -> e.getValue().size() > 1).findFirst().orElseThrow();
        JobLookupException e = org.assertj.core.api.Assertions.catchThrowableOfType(JobLookupException.class,
                () -> joblet.get(String.valueOf(shared.getKey())));
        assertThat(e.ambiguous()).isTrue();
        assertThat(e.candidates()).containsExactlyInAnyOrderElementsOf(shared.getValue());
        assertThat(e.getMessage()).contains("ambiguous").contains(shared.getValue());
        for (DetachedJob j : started) {
            j.await(Duration.ofSeconds(30));
        }
    }

    static List<Path> cgroupsOf(Path dir) throws Exception {
        java.util.Properties p = DetachedStore.read(dir, "job");
        List<Path> l = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(p.getProperty("cgroup.count", "0")); i++) {
            l.add(Path.of(p.getProperty("cgroup." + i)));
        }
        return l;
    }
}
