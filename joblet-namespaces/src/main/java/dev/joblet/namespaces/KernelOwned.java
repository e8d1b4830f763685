package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.SaveError;

/**
 * Host resources that live only as long as a descriptor of this JVM: the kernel frees them when the last one is
 * closed, also when the JVM is killed, so nothing needs sweeping afterwards. Stateless and thread-safe.
 *
 * <ul>
 *   <li>{@link #unnamedFile}: a file with no name ({@code O_TMPFILE}) in a directory's filesystem;
 * </ul>
 *
 * <p>The detached workspace tmpfs is {@link DetachedTmpfs#create}.
 */
public final class KernelOwned {
    private static final int O_RDWR = 2, O_CLOEXEC = 0x80000, O_TMPFILE = 0x410000; // O_TMPFILE includes O_DIRECTORY
    private static final int EOPNOTSUPP = 95, EISDIR = 21, EINVAL = 22;

    /** The calls, with C names and C types (syscall(2) by argument shape). */
    public interface Sys {
        @SaveError
        int open(String path, int flags, int mode);

        @IgnoreError
        int close(int fd);
    }

    private static final class Holder {
        static final Sys SYS = LibraryLoader.create(Sys.class).failImmediately().load("c");
    }

    private KernelOwned() {}

    /**
     * A new empty file (mode 0600) with no name in {@code dir}'s filesystem, open for reading and writing: it is
     * freed when the channel is closed or the JVM dies. Where the filesystem cannot make unnamed files
     * ({@code O_TMPFILE} unsupported), a named one is created and unlinked at once: only a JVM killed within those
     * microseconds leaves it behind (named {@code .joblet-*.tmp}).
     */
    public static FileChannel unnamedFile(Path dir) throws IOException {
        int fd = Holder.SYS.open(dir.toString(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            int errno = Native.errno();
            if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
                throw new IOException("open an unnamed file in " + dir + ": " + Native.describe(errno));
            }
            Path named = Files.createTempFile(dir, ".joblet-", ".tmp");
            try {
                return FileChannel.open(named, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } finally {
                Files.delete(named);
            }
        }
        try {
            // Reopened through its magic link: the channel has its own descriptor of the same (nameless) file.
            return FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ, StandardOpenOption.WRITE);
        } finally {
            Holder.SYS.close(fd);
        }
    }
}
