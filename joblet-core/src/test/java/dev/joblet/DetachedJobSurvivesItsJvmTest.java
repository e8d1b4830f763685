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
}
