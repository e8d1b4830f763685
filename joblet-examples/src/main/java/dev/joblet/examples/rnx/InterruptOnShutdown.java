package dev.joblet.examples.rnx;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * While open, a JVM shutdown (Ctrl-C, SIGTERM) interrupts one thread and waits, up to {@link #GRACE_MILLIS}, until
 * that thread has closed this guard: what it was doing (a runtime build) then cleans up before the JVM exits. Not
 * thread-safe: opened and closed by the thread it guards.
 */
final class InterruptOnShutdown implements AutoCloseable {
    static final long GRACE_MILLIS = 30_000;

    private final Thread hook;
    private final CountDownLatch closed;

    private InterruptOnShutdown(Thread hook, CountDownLatch closed) {
        this.hook = hook;
        this.closed = closed;
    }

    static InterruptOnShutdown of(Thread worker) {
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            worker.interrupt();
            try {
                // Not worker.join(): after its cleanup the worker may block in System.exit, which waits for hooks.
                closed.await(GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rnx-interrupt-on-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return new InterruptOnShutdown(hook, closed);
    }

    /** The hook's thread, for tests that run it as the JVM would. */
    Thread hookThread() {
        return hook;
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs and returns now that the latch is open.
        }
    }
}
