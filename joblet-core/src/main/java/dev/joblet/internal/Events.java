package dev.joblet.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;

/**
 * The one thread on which jobs are finished, results completed and timeouts fired, so that user
 * callbacks never run on the I/O thread. Thread-safe.
 */
public final class Events {
    private static final ScheduledThreadPoolExecutor EXECUTOR;

    static {
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "joblet-events");
            t.setDaemon(true);
            return t;
        };
        EXECUTOR = new ScheduledThreadPoolExecutor(1, tf);
        EXECUTOR.setRemoveOnCancelPolicy(true);
    }

    private Events() {}

    public static ScheduledThreadPoolExecutor executor() {
        return EXECUTOR;
    }
}
