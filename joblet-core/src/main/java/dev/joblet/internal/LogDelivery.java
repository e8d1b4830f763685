package dev.joblet.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared pool that delivers every job's log events to subscribers: a fixed number of daemon threads
 * (at most 4), whatever the number of jobs and subscribers. Submitting never blocks (the queue is
 * unbounded, but holds at most one pending drain per subscriber and one fan-out per log). Thread-safe.
 */
public final class LogDelivery {
    private static final Executor EXECUTOR;

    static {
        int threads = Math.max(1, Math.min(4, java.lang.Runtime.getRuntime().availableProcessors()));
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "joblet-logs-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        EXECUTOR = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), tf);
    }

    private LogDelivery() {}

    public static Executor executor() {
        return EXECUTOR;
    }
}
