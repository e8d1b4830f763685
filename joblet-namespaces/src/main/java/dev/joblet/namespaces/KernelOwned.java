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
import org.jspecify.annotations.Nullable;

/**
 * Host resources that live only as long as a descriptor of this JVM: the kernel frees them when the last one is
 * closed, also when the JVM is killed, so nothing needs sweeping afterwards. Stateless and thread-safe.
 *
 * <ul>
 *   <li>{@link #unnamedFile}: a file with no name ({@code O_TMPFILE}) in a directory's filesystem;
 *   <li>{@link #detachedTmpfs}: a tmpfs mounted nowhere ({@code fsopen}/{@code fsmount}), reached through its
 *       descriptor: {@code /proc/self/fd/N} in this JVM, {@code /proc/<pid>/fd/N} as a bind source for a job.
 * </ul>
 */
public final class KernelOwned {
    private static final int O_RDWR = 2, O_CLOEXEC = 0x80000, O_TMPFILE = 0x410000; // O_TMPFILE includes O_DIRECTORY
    private static final long SYS_FSOPEN = 430, SYS_FSCONFIG = 431, SYS_FSMOUNT = 432;
    private static final int FSOPEN_CLOEXEC = 1, FSMOUNT_CLOEXEC = 1;
    private static final int FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6;
    private static final int MOUNT_ATTR_NOSUID = 0x2, MOUNT_ATTR_NODEV = 0x4;
    private static final int EOPNOTSUPP = 95, EISDIR = 21, EINVAL = 22;

    /** The calls, with C names and C types (syscall(2) by argument shape). */
    public interface Sys {
        @SaveError
        int open(String path, int flags, int mode);

        @IgnoreError
        int close(int fd);

        @SaveError
        int syscall(long number, String fsname, int flags);

        @SaveError
        int syscall(long number, int fd, int cmd, @Nullable String key, @Nullable String value, int aux);

        @SaveError
        int syscall(long number, int fd, int flags, int attrs);
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

    /**
     * A tmpfs (nosuid, nodev) with these {@code key=value} options (e.g. {@code size=268435456}, {@code mode=0755})
     * that is mounted nowhere: it lives while the returned mount's descriptor is open, and its files go with it.
     */
    public static DetachedMount detachedTmpfs(String... options) throws IOException {
        Sys sys = Holder.SYS;
        int fs = sys.syscall(SYS_FSOPEN, "tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0) {
            throw new IOException("fsopen tmpfs: " + Native.describe(Native.errno()));
        }
        try {
            for (String o : options) {
                int eq = o.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("tmpfs option (" + o + ") must be key=value");
                }
                if (sys.syscall(SYS_FSCONFIG, fs, FSCONFIG_SET_STRING, o.substring(0, eq), o.substring(eq + 1), 0) < 0) {
                    throw new IOException("fsconfig tmpfs " + o + ": " + Native.describe(Native.errno()));
                }
            }
            if (sys.syscall(SYS_FSCONFIG, fs, FSCONFIG_CMD_CREATE, null, null, 0) < 0) {
                throw new IOException("fsconfig tmpfs create: " + Native.describe(Native.errno()));
            }
            int mnt = sys.syscall(SYS_FSMOUNT, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
            if (mnt < 0) {
                throw new IOException("fsmount tmpfs: " + Native.describe(Native.errno()));
            }
            return new DetachedMount(mnt);
        } finally {
            sys.close(fs);
        }
    }

    /**
     * A mount attached nowhere, held by a descriptor of this JVM. Thread-safe; {@link #close()} is idempotent. Its
     * files are reached through {@link #root()}; a job binds it from {@link #bindSource()} (its supervisor, a child
     * of this JVM, resolves that path while this JVM holds the descriptor).
     */
    public static final class DetachedMount implements AutoCloseable {
        private final int fd;
        private final Path root;
        private final Path bindSource;
        private boolean closed; // guarded by this

        private DetachedMount(int fd) {
            this.fd = fd;
            this.root = Path.of("/proc/self/fd/" + fd);
            this.bindSource = Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
        }

        /** This JVM's path to the mount's root directory (a magic link: follow it, e.g. with a trailing name). */
        public Path root() {
            return root;
        }

        /** The path another process of this host binds the mount from, while it is open. */
        public Path bindSource() {
            return bindSource;
        }

        /** Closes the descriptor: the mount goes once no job's mount namespace holds a bind of it any more. */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                Holder.SYS.close(fd);
            }
        }

        @Override
        public String toString() {
            return "DetachedMount{fd " + fd + "}";
        }
    }
}
