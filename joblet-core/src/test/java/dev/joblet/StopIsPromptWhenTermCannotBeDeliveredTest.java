package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stop waits its grace only for a PID 1 that SIGTERM can reach (it catches TERM, or blocks it to take it with
 * sigwait); the kernel drops TERM sent to any other PID 1 of a namespace, so such a job is killed at once. The grace
 * here is 10 s: a job that ends within 5 s was not waited for (a guard, not a timing measure).
 */
@NeedsRoot("for namespaces and cgroups")
class StopIsPromptWhenTermCannotBeDeliveredTest {
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final Duration UNWAITED = Duration.ofSeconds(5);

    private static JobResult stopAndAwait(Job job) throws Exception {
        return job.stop(GRACE).get(30, TimeUnit.SECONDS);
    }

    private static void awaitOutput(Job job, String text) throws InterruptedException {
        for (int i = 0; i < 2_000 && !job.stdout().text().contains(text); i++) {
            Thread.sleep(5);
        }
        assertThat(job.stdout().text()).as("the job got ready").contains(text);
    }

    @Test
    void aTimeoutOnAPlainSleepEndsWithoutTheGrace() throws Exception {
        try (Job job = Joblet.builder().timeout(Duration.ofSeconds(1)).stopGrace(GRACE).command("sleep", "30").start()) {
            JobResult r = job.await(Duration.ofSeconds(30)).orElseThrow();
            assertThat(r.reason()).isEqualTo(EndReason.TIMED_OUT);
            assertThat(r.signal()).hasValue(9);
            assertThat(r.duration()).isLessThan(UNWAITED);
        }
    }

    @Test
    void aStopOfAShellWithoutATrapKillsAtOnce() throws Exception {
        try (Job job = Joblet.builder().command("sh", "-c", "echo ready; sleep 30 & sleep 40; wait").start()) {
            awaitOutput(job, "ready");
            long t0 = System.nanoTime();
            JobResult r = stopAndAwait(job);
            assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
            assertThat(r.signal()).hasValue(9);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(UNWAITED);
        }
    }

    @Test
    void anIgnoredTermKillsAtOnce() throws Exception {
        try (Job job = Joblet.builder().command("python3", "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)")
                .start()) {
            awaitOutput(job, "ready");
            long t0 = System.nanoTime();
            JobResult r = stopAndAwait(job);
            assertThat(r.signal()).hasValue(9);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(UNWAITED);
        }
    }

    @Test
    void aJobThatTrapsTermGetsItAndEndsWithinTheGrace() throws Exception {
        try (Job job = Joblet.builder().command("bash", "-c", "trap 'echo bye; exit 0' TERM; echo ready; sleep 100 & wait")
                .start()) {
            awaitOutput(job, "ready");
            JobResult r = stopAndAwait(job);
            assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
            assertThat(r.exitCode()).as("exited by itself, not killed: %s", r).hasValue(0);
            assertThat(job.stdout().text()).contains("bye");
        }
    }

    @Test
    void aJobThatBlocksTermToWaitForItGetsIt() throws Exception {
        // As tini and dumb-init do: no handler, TERM blocked and taken with sigwait.
        try (Job job = Joblet.builder().command("python3", "-c", "import signal, sys\n"
                + "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}); print('ready', flush=True)\n"
                + "print('got', signal.sigwait({signal.SIGTERM}), flush=True); sys.exit(3)").start()) {
            awaitOutput(job, "ready");
            JobResult r = stopAndAwait(job);
            assertThat(r.exitCode()).as("exited by itself, not killed: %s", r).hasValue(3);
            assertThat(job.stdout().text()).contains("got 15");
        }
    }

    @Test
    void aJobThatTrapsTermButDoesNotEndIsKilledAfterTheGrace() throws Exception {
        try (Job job = Joblet.builder().command("bash", "-c", "trap 'echo ignoring' TERM; echo ready; while :; do sleep 0.1; done")
                .start()) {
            awaitOutput(job, "ready");
            JobResult r = job.stop(Duration.ofMillis(500)).get(30, TimeUnit.SECONDS);
            assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
            assertThat(r.signal()).hasValue(9);
            assertThat(job.stdout().text()).contains("ignoring");
        }
    }
}
