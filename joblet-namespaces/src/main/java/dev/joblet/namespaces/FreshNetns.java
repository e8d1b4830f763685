package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.LibC;
import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Fresh network namespaces made ahead of the jobs that join them. Creating one takes the kernel's pernet lock and
 * ~0.4-1 ms (TOOLCHAIN.md measured a clone with {@code CLONE_NEWNET} at ~1 ms against ~0.1 ms without), which a start
 * that joins a ready one does not pay. {@link #create()} makes one with {@code unshare(CLONE_NEWNET)} on the calling
 * thread, keeps it as a file descriptor of this JVM, and returns the thread to its namespace: call it only from a
 * thread that does nothing else (joblet-core's prefill thread of network namespaces). A namespace made this way is
 * exactly what a clone would have made (only {@code lo}, down: the helper brings it up) and is given to one job only;
 * nothing of it is visible on the host (no mount, no process). This class holds no state: the caller owns each
 * {@link Lease} and keeps its own pool.
 *
 * <p>Only for a JVM running as root whose job has no user namespace of its own (a namespace owned by the initial
 * user namespace cannot be joined from inside another).
 */
public final class FreshNetns {
    private FreshNetns() {}

    /**
     * The calling thread could not return to the namespace it was in: it now lives in one of its own and must make
     * no more (nor do anything else).
     */
    public static final class StrandedException extends IOException {
        private static final long serialVersionUID = 1L;

        StrandedException(String message) {
            super(message);
        }
    }

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
     * A new network namespace, made on the calling thread, which returns to its own namespace before this returns.
     *
     * @throws StrandedException when the thread cannot return (it must then do nothing else)
     * @throws IOException when this host does not allow it (unshare or open failed); nothing was made
     */
    public static Lease create() throws IOException {
        LibC libc = Native.libc();
        int home = libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (home < 0) {
            throw new IOException("cannot open this thread's network namespace: " + Native.describe(Native.errno()));
        }
        try {
            if (libc.unshare(LibC.CLONE_NEWNET) != 0) {
                throw new IOException("unshare(CLONE_NEWNET): " + Native.describe(Native.errno()));
            }
            int fd = libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
            int err = Native.errno();
            if (libc.setns(home, LibC.CLONE_NEWNET) != 0) {
                String why = Native.describe(Native.errno());
                if (fd >= 0) {
                    libc.close(fd);
                }
                throw new StrandedException("cannot return to the JVM's network namespace: " + why);
            }
            if (fd < 0) {
                throw new IOException("cannot open the new network namespace: " + Native.describe(err));
            }
            return new Lease(fd);
        } finally {
            libc.close(home);
        }
    }

    /**
     * Launches {@code request} into {@code lease}'s namespace, or as it is when {@code lease} is null, and closes the
     * lease (the launch returns once the job has exec'd, so it has joined). Should this host refuse the join (stage
     * {@link Stage#NETNS}), {@code joinFailed} is told why (the caller turns its pool off) and the job is launched as
     * asked, making its own.
     */
    public static LaunchedProcess launch(Launcher launcher, LaunchRequest request, @Nullable Lease lease, OutputHandler output,
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
}
