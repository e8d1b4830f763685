package dev.joblet.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * One {@code Joblet}'s two threads on which jobs are finished (cgroup statistics read, cgroup removed, result
 * completed) and timeouts fired, so that user callbacks never run on the I/O thread. Two, so that one slow cgroup
 * removal does not hold up every other job's result. The threads start with the first task; {@link #close()} ends
 * them. Thread-safe.
 */
public final class Events implements AutoCloseable {
    private final Executors2.Threads threads = new Executors2.Threads(n -> "joblet-events");
    private final ScheduledThreadPoolExecutor executor;

    public Events() {
        executor = new ScheduledThreadPoolExecutor(2, threads, Executors2.RUN_HERE_WHEN_CLOSED);
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    public ScheduledExecutorService executor() {
        return executor;
    }

    /**
     * Runs what is queued, drops the timers not yet due, and returns once both threads have ended. A task submitted
     * afterwards runs on the caller's thread (a continuation of a job its owner closed, never a new job's).
     */
    @Override
    public void close() {
        Executors2.shutdownAndWait(executor, threads);
    }
}
