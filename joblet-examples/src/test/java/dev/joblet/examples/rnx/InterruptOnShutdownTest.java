package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C during {@code rnx runtime install}: the shutdown hook interrupts the installing thread and returns once that
 * thread has cleaned up and closed the guard (not when it ends: it may then block in System.exit).
 */
class InterruptOnShutdownTest {

    @Test
    void theHookInterruptsTheWorkerAndWaitsForItsCleanup() throws Exception {
        AtomicReference<InterruptOnShutdown> guard = new AtomicReference<>();
        AtomicBoolean cleanedUp = new AtomicBoolean();
        CountDownLatch opened = new CountDownLatch(1);
        CountDownLatch mayEnd = new CountDownLatch(1);
        Thread worker = new Thread(() -> {
            try (InterruptOnShutdown g = InterruptOnShutdown.of(Thread.currentThread())) {
                guard.set(g);
                opened.countDown();
                try {
                    Thread.sleep(60_000); // the build
                } catch (InterruptedException e) {
                    // The build's own catch, inside the guard as in RuntimeCommand: its job closed, its directory
                    // deleted, before the guard closes (a catch of this try would run after close()).
                    cleanedUp.set(true);
                }
            }
            try {
                mayEnd.await(); // like System.exit during shutdown: the thread does not end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        worker.start();
        assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        Thread hook = guard.get().hookThread();
        hook.start(); // what the JVM does on SIGINT: the hook runs on a thread of its own
        hook.join(10_000);
        assertThat(hook.isAlive()).as("the hook returned").isFalse();
        assertThat(cleanedUp).as("the worker was interrupted and cleaned up").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                .as("the hook returned on the guard's close, not after its grace")
                .isLessThan(InterruptOnShutdown.GRACE_MILLIS);
        assertThat(worker.isAlive()).isTrue();
        mayEnd.countDown();
        worker.join(10_000);
        // Closed: the hook is no longer registered (removing it again says so).
        assertThat(Runtime.getRuntime().removeShutdownHook(guard.get().hookThread())).isFalse();
    }
}
