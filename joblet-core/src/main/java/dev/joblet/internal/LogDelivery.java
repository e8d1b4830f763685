package dev.joblet.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One {@code Joblet}'s pool that delivers every job's log events to subscribers: a fixed number of daemon threads
 * (at most 4), whatever the number of jobs and subscribers, started with the first task and ended by
 * {@link #close()}. Submitting never blocks (the queue is unbounded, but holds at most one pending drain per
 * subscriber and one fan-out per log). Thread-safe.
 */
public final class LogDelivery implements AutoCloseable {
    private final Executors2.Threads threads = new Executors2.Threads(n -> "joblet-logs-" + n);
    private final ThreadPoolExecutor executor;

    public LogDelivery() {
        int count = Math.max(1, Math.min(4, java.lang.Runtime.getRuntime().availableProcessors()));
        executor = new ThreadPoolExecutor(count, count, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads,
                Executors2.RUN_HERE_WHEN_CLOSED);
    }

    public ExecutorService executor() {
        return executor;
    }

    /**
     * Delivers what is queued and returns once the threads have ended. A delivery submitted afterwards (to a
     * subscriber still reading a closed job's log) runs on the caller's thread.
     */
    @Override
    public void close() {
        Executors2.shutdownAndWait(executor, threads);
    }
}
