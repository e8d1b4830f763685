package dev.joblet.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Where an engine builds sandboxes: its own pool of threads that exist only while there is work, or an executor
 * it was given. Thread-safe. {@link #shutdown()} returns once every thread of its own has exited.
 */
final class Launches {
    private static final AtomicInteger ENGINES = new AtomicInteger();
    private final @Nullable ThreadPoolExecutor own;
    private final Executor executor;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    Launches(int threadCount, @Nullable Executor given) {
        if (given != null) {
            own = null;
            executor = given;
            return;
        }
        int engine = ENGINES.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threadCount, threadCount, 2, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "joblet-engine-" + engine + "-launch-" + n.incrementAndGet());
                    t.setDaemon(true);
                    threads.removeIf(x -> !x.isAlive());
                    threads.add(t);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        own = pool;
        executor = pool;
    }

    void execute(Runnable task) {
        executor.execute(task);
    }

    /** Lets queued launches finish, then waits for the engine's own threads to exit. */
    void shutdown() {
        if (own == null) {
            return;
        }
        own.shutdown();
        for (Thread t : threads) {
            dev.joblet.internal.Executors2.joinUninterruptibly(t);
        }
        threads.clear();
    }
}
