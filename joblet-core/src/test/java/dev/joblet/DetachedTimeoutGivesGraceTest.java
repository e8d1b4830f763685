package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A detached job's timeout is the same stop as an attached one's: SIGTERM to PID 1, SIGKILL after the spec's
 * {@code stopGrace} (found by the outside pass: the supervisor sent SIGKILL at once, so a job's TERM trap never ran).
 */
@NeedsRoot("for detached jobs' cgroups")
class DetachedTimeoutGivesGraceTest {
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

    @Test
    void aJobThatTrapsTermRunsItsTrapAndEndsWithItsOwnExit() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder()
                .command("bash", "-c", "trap 'echo got-term; exit 7' TERM; echo start; while :; do sleep 0.1; done")
                .timeout(Duration.ofSeconds(1)).stopGrace(Duration.ofSeconds(20)).build(), DetachOptions.DEFAULT);
        DetachedStatus s = job.await(Duration.ofSeconds(60));
        assertThat(s.state()).as(s.toString()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(s.reason()).isEqualTo("timeout");
        assertThat(s.exitCode()).as("the trap's exit, not SIGKILL: " + s).isEqualTo(7);
        List<DetachedLog.Entry> all = new ArrayList<>();
        job.follow(0, all::add);
        assertThat(DetachedJobTest.text(all, DetachedLog.Stream.STDOUT)).isEqualTo("start\ngot-term\n");
    }

    @Test
    void aJobThatIgnoresTermIsKilledAfterTheGrace() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder()
                .command("bash", "-c", "trap 'echo ignored' TERM; echo start; while :; do sleep 0.1; done")
                .timeout(Duration.ofSeconds(1)).stopGrace(Duration.ofMillis(500)).build(), DetachOptions.DEFAULT);
        DetachedStatus s = job.await(Duration.ofSeconds(60));
        assertThat(s.reason()).as(s.toString()).isEqualTo("timeout");
        assertThat(s.signal()).as("killed once the grace ran out: " + s).isEqualTo(9);
        List<DetachedLog.Entry> all = new ArrayList<>();
        job.follow(0, all::add);
        assertThat(DetachedJobTest.text(all, DetachedLog.Stream.STDOUT)).isEqualTo("start\nignored\n");
    }
}
