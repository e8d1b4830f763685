package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A launcher owns its I/O thread, its helper image and every helper it spawned: {@link Launcher#close()} kills the
 * jobs still running, ends the prepared helpers not used, and returns once nothing of them remains.
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root to create namespaces and mounts")
class LauncherCloseTest {

    @Test
    void closeKillsRunningJobsEndsPreparedHelpersAndLeavesNoThreadFdOrChild() throws Exception {
        // Warm up (classes, native glue) with a launcher of its own, so that counts compare like with like.
        try (Launcher warm = Launcher.open()) {
            TestJobs.released(warm.launch(TestJobs.request("true").build(), OutputHandler.DISCARD));
        }
        int fds = TestJobs.openFds();
        long loops = TestJobs.loopThreads();
        List<ProcessHandle> children = TestJobs.children();

        Launcher launcher = Launcher.open();
        assertThat(TestJobs.loopThreads()).as("the launcher's own I/O thread").isEqualTo(loops + 1);
        LaunchedProcess job = launcher.launch(TestJobs.request("sleep", "600").build(), OutputHandler.DISCARD);
        PreparedLaunch unused = launcher.prepare(List.of(), false);
        assertThat(unused.isAlive()).isTrue();

        launcher.close();

        assertThat(job.onReleased()).as("released when close returns").isDone();
        assertThat(job.onExit().get(0, TimeUnit.SECONDS)).as("the job's end").isEqualTo(new ExitStatus(true, 9, false));
        assertThat(unused.isAlive()).as("the prepared helper").isFalse();
        assertThatThrownBy(() -> unused.launch(TestJobs.request("true").network(false).build(), OutputHandler.DISCARD))
                .isInstanceOf(IllegalStateException.class);
        assertThat(TestJobs.loopThreads()).as("I/O threads").isEqualTo(loops);
        assertThat(TestJobs.children()).as("children of the JVM").isEqualTo(children);
        assertThat(TestJobs.openFds()).as("open fds (helper image, epoll, eventfd, pipes)").isEqualTo(fds);
    }

    @Test
    void aClosedLauncherRefusesLaunchesAndPreparesAndClosesAgainQuietly() throws Exception {
        Launcher launcher = Launcher.open();
        TestJobs.released(launcher.launch(TestJobs.request("true").build(), OutputHandler.DISCARD));
        launcher.close();
        assertThatThrownBy(() -> launcher.launch(TestJobs.request("true").build(), OutputHandler.DISCARD))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> launcher.prepare(List.of(), false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        launcher.close(); // idempotent
    }

    @Test
    void launchersAreIndependent() throws Exception {
        try (Launcher a = Launcher.open(); Launcher b = Launcher.open()) {
            LaunchedProcess inA = a.launch(TestJobs.request("sleep", "600").build(), OutputHandler.DISCARD);
            b.close();
            assertThat(inA.isAlive()).as("a job of another launcher").isTrue();
            LaunchedProcess more = a.launch(TestJobs.request("true").build(), OutputHandler.DISCARD);
            assertThat(TestJobs.released(more)).isEqualTo(ExitStatus.exited(0));
            inA.signal(9);
            assertThat(TestJobs.released(inA)).isEqualTo(new ExitStatus(true, 9, false));
        }
    }
}
