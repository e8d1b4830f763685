package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A detached job outlives the JVM that started it, killed with SIGKILL: another JVM finds it by id prefix, reads
 * its whole log, stops it, and deleting it leaves nothing (directory, cgroups, processes).
 */
@NeedsRoot("for detached jobs' cgroups")
class DetachedJobSurvivesItsJvmTest {
    @TempDir
    Path state;

    @Test
    void aDetachedJobSurvivesTheSigkillOfItsJvmAndIsFoundFollowedAndStoppedFromAnother() throws Exception {
        String script = "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; echo done >&2; sleep 600";
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), DetachedStarter.class.getName(), state.toString(),
                "sh", "-c", script).redirectErrorStream(true).start();
        String id;
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            String line = in.readLine();
            while (line != null && !line.startsWith("started ")) {
                seen.add(line);
                line = in.readLine();
            }
            assertThat(line).as("the child's output: %s", seen).isNotNull();
            id = line.substring("started ".length());
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        try (Joblet joblet = Joblet.create(JobletConfig.builder().stateRoot(state).build())) {
            DetachedJob job = joblet.get(id.substring(0, 6));
            assertThat(job.id().toString()).isEqualTo(id);
            DetachedStatus s = job.status();
            assertThat(s.state()).as(s.toString()).isEqualTo(DetachedStatus.State.RUNNING);
            assertThat(s.name()).isEqualTo("survivor");
            ProcessHandle supervisor = ProcessHandle.of(s.supervisorPid()).orElseThrow();
            assertThat(supervisor.parent().map(ProcessHandle::pid)).as("the supervisor is no child of the dead JVM")
                    .isNotEqualTo(java.util.Optional.of(child.pid()));

            // Its whole output so far, then live, until the last line and stderr's "done" arrived.
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long pos = 0;
            while (!(out.toString().endsWith("line 2999\n") && err.toString().equals("done\n"))
                    && System.nanoTime() < deadline) {
                for (DetachedLog.Entry e : job.log().read(pos, 1 << 20)) {
                    (e.stream() == DetachedLog.Stream.STDOUT ? out : err).append(new String(e.data(),
                            StandardCharsets.UTF_8));
                    pos = e.next();
                }
                Thread.sleep(20);
            }
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 3000; i++) {
                expected.append("line ").append(i).append('\n');
            }
            assertThat(out.toString()).isEqualTo(expected.toString());
            assertThat(err.toString()).isEqualTo("done\n");
            assertThat(job.usage().memoryPeakBytes()).as("live usage from its cgroup").isPositive();

            DetachedStatus end = job.stop(Duration.ofSeconds(1));
            assertThat(end.state()).isEqualTo(DetachedStatus.State.ENDED);
            assertThat(end.reason()).isEqualTo("stopped");
            assertThat(end.signal()).as("sh as PID 1 ignores SIGTERM: SIGKILL after the grace").isIn(15, 9);
            assertThat(end.stdoutBytes()).isEqualTo(expected.length());
            assertThat(supervisor.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();

            List<Path> cgroups = DetachedJobTest.cgroupsOf(job.directory());
            assertThat(cgroups).isNotEmpty();
            job.delete(false);
            assertThat(job.directory()).doesNotExist();
            for (Path cg : cgroups) {
                assertThat(cg).doesNotExist();
            }
            assertThat(joblet.jobs()).isEmpty();
        }
    }

    /**
     * The job ends while no JVM that knows it runs (its starting JVM SIGKILLed first): the supervisor alone records
     * the end, and a JVM that never saw the job finds its exit code, reason and final usage.
     */
    @Test
    void aJobThatEndsWhileNoJvmRunsIsFoundWithItsExitCodeReasonAndUsage() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), DetachedStarter.class.getName(), state.toString(),
                "sh", "-c", "echo before; sleep 2; echo after >&2; exit 7").redirectErrorStream(true).start();
        String id;
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            String line = in.readLine();
            while (line != null && !line.startsWith("started ")) {
                seen.add(line);
                line = in.readLine();
            }
            assertThat(line).as("the child's output: %s", seen).isNotNull();
            id = line.substring("started ".length());
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        // The supervisor's pid, read from the job's status file without any Joblet; then wait for the supervisor
        // to exit (the job's end) by its process handle, so no JVM looks at the job while it ends.
        Path dir = state.resolve("jobs").resolve(id);
        java.util.Properties st = new java.util.Properties();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (st.getProperty("supervisor_pid") == null && System.nanoTime() < deadline) {
            try (var r = java.nio.file.Files.newBufferedReader(dir.resolve("status"))) {
                st.load(r);
            } catch (java.nio.file.NoSuchFileException e) {
                Thread.sleep(20);
            }
        }
        long supervisorPid = Long.parseLong(st.getProperty("supervisor_pid", "0"));
        java.util.Optional<ProcessHandle> supervisor = ProcessHandle.of(supervisorPid);
        assertThat(supervisor).as("the supervisor runs after its JVM's SIGKILL: %s", st).isPresent();
        assertThat(st.getProperty("state")).as("the job has not ended when its JVM is gone").isEqualTo("running");
        assertThat(supervisor.orElseThrow().onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();

        try (Joblet joblet = Joblet.create(JobletConfig.builder().stateRoot(state).build())) {
            DetachedJob job = joblet.get(id.substring(0, 5));
            DetachedStatus end = job.await();
            assertThat(job.status()).isEqualTo(end);
            assertThat(end.state()).as(end.toString()).isEqualTo(DetachedStatus.State.ENDED);
            assertThat(end.exitCode()).isEqualTo(7);
            assertThat(end.signal()).isZero();
            assertThat(end.reason()).isEqualTo("exited");
            assertThat(end.name()).isEqualTo("survivor");
            assertThat(end.endedAt()).isPresent();
            assertThat(end.runtimeSoFar()).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            assertThat(end.usage().memoryPeakBytes()).as("final usage recorded by the supervisor").isPositive();
            assertThat(end.usage().cpuUserMicros()).isNotNegative();
            assertThat(end.usage().cpuSystemMicros()).isNotNegative();
            assertThat(job.usage()).isEqualTo(end.usage());
            assertThat(end.stdoutBytes()).isEqualTo("before\n".length());
            assertThat(end.stderrBytes()).isEqualTo("after\n".length());
            assertThat(job.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(end);
            List<Path> cgroups = DetachedJobTest.cgroupsOf(job.directory());
            assertThat(cgroups).isNotEmpty();
            for (Path cg : cgroups) {
                assertThat(cg).as("the supervisor removed its cgroups").doesNotExist();
            }
            job.delete(false);
            assertThat(job.directory()).doesNotExist();
        }
    }
}
