package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes used network namespaces in the background, in batches. Unregistering a network device costs the kernel
 * tens of milliseconds of RCU grace periods, whether the veth is deleted by name or goes with its namespace; but
 * the namespaces deleted together are destroyed together. So: one {@code ip -batch} of {@code netns del} lines for
 * whatever has queued up, then a wait (polling {@code /sys/class/net}, no process) until their veth ends have gone
 * from the host, and only then are their addresses freed. A veth still there after {@link #PATIENCE_MS} is deleted
 * by name. One daemon thread, started on demand and ended when idle or by {@link #close()}. Thread-safe.
 */
final class Reaper {
    private static final Logger log = LoggerFactory.getLogger(Reaper.class);
    private static final Path SYS_NET = Path.of("/sys/class/net");
    private static final long PATIENCE_MS = 5000;

    private record Entry(Attachment attachment, CompletableFuture<Void> done) {}

    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final ExecutorService thread = idleEnding("joblet-net-reaper");

    /** A single daemon thread that ends after a second without work. */
    static ExecutorService idleEnding(String name) {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** Queues the attachment's namespace and veth for removal; the future completes when they are gone. */
    CompletableFuture<Void> remove(Attachment a) {
        Entry e = new Entry(a, new CompletableFuture<>());
        queue.add(e);
        try {
            thread.execute(this::drain);
        } catch (RejectedExecutionException closed) {
            drain(); // after close (a job of another instance released late): on the caller's thread
        }
        return e.done();
    }

    /** Removes what is queued and ends the thread; returns when both are done. */
    void close() {
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
                log.warn("joblet-net-reaper still removes network namespaces after a minute");
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void drain() {
        List<Entry> batch = new ArrayList<>();
        for (Entry e = queue.poll(); e != null; e = queue.poll()) {
            batch.add(e);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            List<String> lines = new ArrayList<>();
            batch.forEach(e -> lines.add("netns del " + e.attachment().netnsName()));
            try {
                Tools.ipBatch("", lines, true);
            } catch (IOException ex) {
                log.warn("cannot delete network namespaces {}: {}", lines, ex.getMessage());
            }
            List<String> left = awaitGone(batch);
            if (!left.isEmpty()) {
                log.debug("veths {} outlived their namespaces by {} ms: deleting them", left, PATIENCE_MS);
                List<String> del = new ArrayList<>();
                left.forEach(v -> del.add("link del " + v));
                Tools.ipBatch("", del, true);
            }
            log.debug("removed {} network namespaces", batch.size());
        } catch (IOException ex) {
            log.warn("cannot delete veths: {}", ex.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            batch.forEach(e -> e.done().complete(null));
        }
    }

    private static List<String> awaitGone(List<Entry> batch) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MS);
        List<String> left = new ArrayList<>();
        batch.forEach(e -> left.add(e.attachment().vethName()));
        while (true) {
            left.removeIf(v -> !Files.exists(SYS_NET.resolve(v)));
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(1);
        }
    }
}
