package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;

/**
 * Exclusive {@code flock(2)} locks on files of the host, held through a file descriptor: unlike Java's
 * {@code FileLock} (POSIX record locks, owned by the process and dropped when any descriptor of the file is closed),
 * a flock belongs to its open file description, so two holders in one JVM exclude each other as two processes do,
 * and the kernel drops the lock of a process that dies. The descriptor is close-on-exec: no helper or job inherits
 * it. Stateless and thread-safe.
 */
public final class HostLocks {
    private static final int O_RDWR = 2, O_CREAT = 0x40, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private static final int LOCK_EX = 2, LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11, EINTR = 4;

    /** open(2), flock(2) and close(2), with C names and C types. */
    public interface Sys {
        @SaveError
        int open(String path, int flags, int mode);

        @SaveError
        int flock(int fd, int operation);

        @SaveError
        int close(int fd);
    }

    private static final class Holder {
        static final Sys SYS = LibraryLoader.create(Sys.class).failImmediately().load("c");
    }

    private HostLocks() {}

    /**
     * Opens (creating it with mode 0600 if missing, never following a link) and locks {@code file} without waiting.
     *
     * @return the descriptor that holds the lock, or -1 when another holder has it
     * @throws IOException when the file cannot be opened or locked for another reason
     */
    public static int tryLock(Path file) throws IOException {
        int fd = Holder.SYS.open(file.toString(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            throw new IOException("open " + file + ": " + Native.describe(Native.errno()));
        }
        while (true) {
            if (Holder.SYS.flock(fd, LOCK_EX | LOCK_NB) == 0) {
                return fd;
            }
            int errno = Native.errno();
            if (errno == EINTR) {
                continue;
            }
            Holder.SYS.close(fd);
            if (errno == EWOULDBLOCK) {
                return -1;
            }
            throw new IOException("flock " + file + ": " + Native.describe(errno));
        }
    }

    /** Releases a lock {@link #tryLock} returned (closes its descriptor). */
    public static void unlock(int fd) {
        Holder.SYS.close(fd);
    }
}
