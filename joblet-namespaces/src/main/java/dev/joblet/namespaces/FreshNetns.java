package dev.joblet.namespaces;

import dev.joblet.namespaces.libc.LibC;
import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fresh network namespaces made ahead, for cold starts. Creating one takes the kernel's pernet lock and ~0.4-1
 * ms (TOOLCHAIN.md measured a clone with {@code CLONE_NEWNET} at ~1 ms against ~0.1 ms without), which a start
 * that joins a ready one does not pay. A background thread of its own ({@code joblet-netns}) makes each with
 * {@code unshare(CLONE_NEWNET)}, keeps it as a file descriptor of this JVM, and returns to the JVM's namespace;
 * the thread does nothing else. A namespace made this way is exactly what a clone would have made (only {@code
 * lo}, down: the helper brings it up) and is given to one job only; nothing of it is visible on the host (no
 * mount, no process), and those not taken go away with the JVM.
 *
 * <p>Only for a JVM running as root whose job has no user namespace of its own (a namespace owned by the initial
 * user namespace cannot be joined from inside another). {@code -Djoblet.netnsPool.size} (default 2; 0 turns the
 * pool off). Thread-safe.
 */
public final class FreshNetns {
    private static final Logger log = LoggerFactory.getLogger(FreshNetns.class);
    private static final int SIZE = Math.max(0, Integer.getInteger("joblet.netnsPool.size", 2));
    /** A refill waits this long after a take, so that it does not compete with the start that took one. */
    private static final long REFILL_DELAY_MILLIS = 5;

    private static final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private static final AtomicLong taken = new AtomicLong();
    private static boolean filling;
    private static boolean broken = SIZE == 0;
    private static @Nullable ScheduledExecutorService maker;

    private FreshNetns() {}

    /** One job's namespace: {@link #path()} names it for the helper; close it once the job has joined (or failed). */
    public static final class Lease implements AutoCloseable {
        private int fd;
        private final Path path;

        private Lease(int fd) {
            this(fd, Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd));
        }

        /** Tests: a lease naming any path (nothing to close). */
        Lease(int fd, Path path) {
            this.fd = fd;
            this.path = path;
        }

        /** A path the helper opens to join the namespace (valid until {@link #close()}). */
        public Path path() {
            return path;
        }

        @Override
        public synchronized void close() {
            if (fd >= 0) {
                Native.libc().close(fd);
                fd = -1;
            }
        }
    }

    /**
     * A ready namespace, or null when none is (the job then creates its own in clone, as without the pool); either
     * way the pool is topped up in the background.
     */
    public static @Nullable Lease take() {
        Integer fd;
        synchronized (FreshNetns.class) {
            if (broken) {
                return null;
            }
            fd = ready.pollFirst();
            scheduleFill(fd == null ? 0 : REFILL_DELAY_MILLIS);
        }
        if (fd == null) {
            return null;
        }
        taken.incrementAndGet();
        return new Lease(fd);
    }

    /**
     * Launches {@code request} into {@code lease}'s namespace, or as it is when {@code lease} is null, and closes the
     * lease (the launch returns once the job has exec'd, so it has joined). Should this host refuse the join (stage
     * {@link Stage#NETNS}), the pool is turned off for good and the job is launched as asked, making its own.
     */
    public static LaunchedProcess launch(Launcher launcher, LaunchRequest request, @Nullable Lease lease,
            OutputHandler output) throws IOException {
        return launch(launcher, request, lease, output, FreshNetns::disable);
    }

    static LaunchedProcess launch(Launcher launcher, LaunchRequest request, @Nullable Lease lease, OutputHandler output,
            Consumer<String> joinFailed) throws IOException {
        if (lease == null) {
            return launcher.launch(request, output);
        }
        try (lease) {
            return launcher.launch(request.toBuilder().netns(lease.path()).build(), output);
        } catch (LaunchException e) {
            if (e.stage() != Stage.NETNS) {
                throw e;
            }
            joinFailed.accept("joining one failed: " + e.getMessage());
            return launcher.launch(request, output);
        }
    }

    /**
     * Closes the namespaces made ahead and ends the thread that makes them (waiting for it); a later {@link #take()}
     * starts over.
     */
    public static void drain() {
        ScheduledExecutorService m;
        synchronized (FreshNetns.class) {
            m = maker;
            maker = null;
        }
        if (m != null) {
            m.shutdownNow(); // a fill under way finishes the namespace it is making (native calls ignore interrupts)
            boolean interrupted = false;
            while (true) {
                try {
                    if (m.awaitTermination(1, TimeUnit.MINUTES)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        List<Integer> fds;
        synchronized (FreshNetns.class) {
            fds = new ArrayList<>(ready);
            ready.clear();
            filling = false; // a fill that was scheduled and never ran
        }
        for (int fd : fds) {
            Native.libc().close(fd);
        }
    }

    /**
     * Turns the pool off for the rest of this JVM (a host where a job could not join a namespace made ahead) and
     * closes what it holds.
     */
    public static void disable(String why) {
        synchronized (FreshNetns.class) {
            if (broken) {
                return;
            }
            broken = true;
        }
        log.warn("network namespaces made ahead are off: {}", why);
        drain();
    }

    /** How many namespaces ready now (tests). */
    public static synchronized int ready() {
        return ready.size();
    }

    /** How many namespaces jobs took from the pool since this JVM started. */
    public static long taken() {
        return taken.get();
    }

    /** Caller holds the class lock. */
    private static void scheduleFill(long delayMillis) {
        if (filling || broken || ready.size() >= SIZE) {
            return;
        }
        if (maker == null) {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "joblet-netns");
                t.setDaemon(true);
                return t;
            });
            e.setKeepAliveTime(30, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
            maker = e;
        }
        filling = true;
        maker.schedule(FreshNetns::fill, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** On the maker thread: makes namespaces until the pool is full. */
    private static void fill() {
        LibC libc = Native.libc();
        // The thread's own namespace (the JVM's: it returns there after each one it makes).
        int home = libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        try {
            while (true) {
                synchronized (FreshNetns.class) {
                    if (broken || ready.size() >= SIZE) {
                        return;
                    }
                }
                int fd = home < 0 ? -1 : make(home);
                synchronized (FreshNetns.class) {
                    if (fd < 0) {
                        broken = true;
                        return;
                    }
                    ready.addLast(fd);
                }
            }
        } finally {
            if (home >= 0) {
                libc.close(home);
            }
            synchronized (FreshNetns.class) {
                filling = false;
            }
        }
    }

    /** A new namespace as an fd, or -1 (and the pool is off for good) where this host does not allow it. */
    private static int make(int home) {
        LibC libc = Native.libc();
        if (libc.unshare(LibC.CLONE_NEWNET) != 0) {
            log.debug("no pool of network namespaces: unshare: {}", Native.describe(Native.errno()));
            return -1;
        }
        int fd = libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        int err = Native.errno();
        if (libc.setns(home, LibC.CLONE_NEWNET) != 0) {
            // This thread now lives in a namespace of its own: it must make no more (and it does nothing else).
            log.warn("joblet-netns: cannot return to the JVM's network namespace: {}; the pool is off",
                    Native.describe(Native.errno()));
            if (fd >= 0) {
                libc.close(fd);
            }
            return -1;
        }
        if (fd < 0) {
            log.debug("no pool of network namespaces: open: {}", Native.describe(err));
        }
        return fd;
    }
}
