package dev.joblet.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.TimeUnit;

/** What the owner's executors ({@link Events}, {@link LogDelivery}) the pools' fillers ({@link Prefill})
 * and the engine's launch threads share. Not instantiable. */
public final class Executors2 {
    /**
     * After close, a task still submitted runs on the submitting thread: it is a continuation of a job that was
     * closed (its release, a log drain), and dropping it would leave its future incomplete.
     */
    static final RejectedExecutionHandler RUN_HERE_WHEN_CLOSED = (r, ex) -> {
        if (ex.isShutdown()) {
            r.run();
        } else {
            throw new java.util.concurrent.RejectedExecutionException("executor refused a task: " + ex);
        }
    };

    private Executors2() {}

    /** Makes daemon threads named by {@code name} and remembers them, so that close can join them. */
    static final class Threads implements java.util.concurrent.ThreadFactory {
        private final java.util.function.IntFunction<String> name;
        private final java.util.Set<Thread> made = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();

        Threads(java.util.function.IntFunction<String> name) {
            this.name = name;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, name.apply(n.incrementAndGet()));
            t.setDaemon(true);
            made.add(t);
            return t;
        }
    }

    /**
     * Shuts {@code ex} down and waits, however long, until the threads {@code threads} made have ended (interrupts are
     * kept). From one of those threads (a callback that closes the owner) it only shuts down.
     */
    static void shutdownAndWait(ExecutorService ex, Threads threads) {
        ex.shutdown();
        boolean interrupted = false;
        if (threads.made.contains(Thread.currentThread())) {
            return;
        }
        while (true) {
            try {
                if (ex.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Thread t : threads.made) {
            if (t != Thread.currentThread()) {
                joinUninterruptibly(t);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits, however long, until {@code t} has ended; an interrupt meanwhile is kept (set again on return). */
    public static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
