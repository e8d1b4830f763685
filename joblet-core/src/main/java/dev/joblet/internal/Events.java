package dev.joblet.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;

/**
 * The two threads on which jobs are finished (cgroup statistics read, cgroup removed, result completed) and
 * timeouts fired, so that user callbacks never run on the I/O thread. Two, so that one slow cgroup removal does
 * not hold up every other job's result. Thread-safe.
 */
public final class Events {
    private static final ScheduledThreadPoolExecutor EXECUTOR;

    static {
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "joblet-events");
            t.setDaemon(true);
            return t;
        };
        EXECUTOR = new ScheduledThreadPoolExecutor(2, tf);
        EXECUTOR.setRemoveOnCancelPolicy(true);
    }

    private Events() {}

    public static ScheduledThreadPoolExecutor executor() {
        return EXECUTOR;
    }
}
