package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.HostFileCalls;
import dev.joblet.namespaces.internal.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

/**
 * Host files reached through descriptors only: a path given by a caller is resolved once, with {@code openat2}
 * refusing every symbolic link on the way ({@code RESOLVE_NO_SYMLINKS}, which implies
 * {@code RESOLVE_NO_MAGICLINKS}), and from then on the file is used through its {@code O_PATH} descriptor: its type
 * and size come from {@code fstat}, its contents from a reopening of that very descriptor, a directory's entries
 * from {@code getdents64} on it and each entry from an {@code openat} relative to it that never follows a link.
 * Nothing is checked by path and then opened by path again (the detached tmpfs of a job's workspace is
 * {@link DetachedTmpfs}).
 * Stateless and thread-safe; every descriptor returned belongs to the caller (close it with {@link #close}).
 */
public final class HostFiles {
    public static final int AT_FDCWD = -100;
    private static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100;
    private static final int O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    private static final long RESOLVE_NO_MAGICLINKS = 2, RESOLVE_NO_SYMLINKS = 4, RESOLVE_BENEATH = 8;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    private static final long SYS_OPENAT2 = 437;
    private static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000;
    private static final int STAT_SIZE = 144, DIRENT_BUF = 32 * 1024;

    private static final class Holder {
        static final HostFileCalls SYS = LibraryLoader.create(HostFileCalls.class).failImmediately().load("c");
    }

    /** What {@code fstat} says of a descriptor. */
    public record Stat(int mode, long size) {
        public boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        public boolean isSymbolicLink() {
            return (mode & S_IFMT) == S_IFLNK;
        }

        /** The permission bits (without set-id and sticky bits). */
        public int permissions() {
            return mode & 0777;
        }
    }

    /** An entry of a directory as {@code getdents64} lists it (never "." or ".."). */
    // Read once by who listed the directory, never compared nor hashed: the name stays the kernel's bytes.
    @SuppressWarnings("ArrayRecordComponent")
    public record Entry(byte[] name) {
        public String displayName() {
            return new String(name, StandardCharsets.UTF_8);
        }
    }

    private HostFiles() {}

    static HostFileCalls sys() {
        return Holder.SYS;
    }

    static byte[] c(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = java.util.Arrays.copyOf(b, b.length + 1);
        return z;
    }

    private static byte[] c(byte[] s) {
        return java.util.Arrays.copyOf(s, s.length + 1);
    }

    static IOException failure(String what, int errno) {
        return new ErrnoException(what + ": " + Native.describe(errno), errno);
    }

    /** An {@link IOException} that carries the errno of the call that failed. */
    public static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }

        public String errnoName() {
            return Native.errnoName(errno);
        }
    }

    /** ELOOP: a symbolic link where none may be. */
    public static final int ELOOP = 40;

    private static int openat2(int dirfd, byte[] path, long flags, long resolve, String what) throws IOException {
        Pointer how = Memory.allocateDirect(Native.runtime(), 24, true);
        how.putLong(0, flags | O_CLOEXEC);
        how.putLong(8, 0);
        how.putLong(16, resolve);
        long fd;
        do {
            fd = sys().syscall(SYS_OPENAT2, dirfd, c(path), how, 24);
        } while (fd < 0 && (Native.errno() == 4 || Native.errno() == 11)); // EINTR, EAGAIN (a concurrent rename)
        if (fd < 0) {
            throw failure(what, Native.errno());
        }
        return (int) fd;
    }

    /**
     * Resolves the absolute host path {@code path} once, refusing a symbolic link in any component but the last
     * (ELOOP), and returns an {@code O_PATH} descriptor of what it names; a link as the last component is opened
     * itself, never followed.
     */
    public static int openPath(String path) throws IOException {
        return openat2(AT_FDCWD, path.getBytes(StandardCharsets.UTF_8), O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS,
                "open " + path);
    }

    /**
     * {@code rel} (a relative path) below the directory {@code dirfd}: resolved beneath it, refusing every link on
     * the way and {@code ..} above it; an {@code O_PATH} descriptor of what it names (a link at the end itself).
     */
    public static int openBeneath(int dirfd, String rel) throws IOException {
        return openat2(dirfd, rel.getBytes(StandardCharsets.UTF_8), O_PATH | O_NOFOLLOW,
                RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH, "open " + rel);
    }

    /** The entry {@code name} (one component) of the directory {@code dirfd}, never following a link. O_PATH. */
    public static int openEntry(int dirfd, byte[] name) throws IOException {
        int fd = sys().openat(dirfd, c(name), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("open " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
        return fd;
    }

    public static Stat stat(int fd) throws IOException {
        Pointer st = Memory.allocateDirect(Native.runtime(), STAT_SIZE, true);
        if (sys().fstat(fd, st) != 0) {
            throw failure("fstat", Native.errno());
        }
        return new Stat(st.getInt(24), st.getLong(48));
    }

    /** {@code lstat} of the entry {@code name} of {@code dirfd}, or null when it does not exist. */
    public static @Nullable Stat statEntry(int dirfd, byte[] name) throws IOException {
        Pointer st = Memory.allocateDirect(Native.runtime(), STAT_SIZE, true);
        if (sys().fstatat(dirfd, c(name), st, AT_SYMLINK_NOFOLLOW) != 0) {
            int e = Native.errno();
            if (e == 2) {
                return null;
            }
            throw failure("stat " + new String(name, StandardCharsets.UTF_8), e);
        }
        return new Stat(st.getInt(24), st.getLong(48));
    }

    /**
     * A readable descriptor of the same regular file as the {@code O_PATH} descriptor {@code pathFd} (reopened
     * through {@code /proc/self/fd}, which names that very file, whatever happened to its path since).
     */
    public static int reopenForReading(int pathFd) throws IOException {
        int fd = sys().open("/proc/self/fd/" + pathFd, O_RDONLY | O_NOCTTY | O_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("reopen fd " + pathFd, Native.errno());
        }
        return fd;
    }

    /** A readable descriptor of the directory that the {@code O_PATH} descriptor {@code pathFd} names. */
    public static int reopenDirectory(int pathFd) throws IOException {
        int fd = sys().openat(pathFd, c("."), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("open directory", Native.errno());
        }
        return fd;
    }

    /** The entries of the directory open for reading as {@code dirFd}, in the order the kernel lists them. */
    public static List<Entry> list(int dirFd) throws IOException {
        List<Entry> out = new ArrayList<>();
        Pointer buf = Memory.allocateDirect(Native.runtime(), DIRENT_BUF);
        while (true) {
            long n = sys().getdents64(dirFd, buf, DIRENT_BUF);
            if (n < 0) {
                throw failure("getdents64", Native.errno());
            }
            if (n == 0) {
                return out;
            }
            int pos = 0;
            while (pos < n) {
                int reclen = buf.getShort(pos + 16) & 0xffff;
                int nameStart = pos + 19;
                int len = 0;
                while (nameStart + len < pos + reclen && buf.getByte(nameStart + len) != 0) {
                    len++;
                }
                byte[] name = new byte[len];
                buf.get(nameStart, name, 0, len);
                if (!(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.')) {
                    out.add(new Entry(name));
                }
                pos += reclen;
            }
        }
    }

    /** The text of the symbolic link that the {@code O_PATH} descriptor {@code linkFd} names. */
    public static byte[] readLink(int linkFd) throws IOException {
        byte[] buf = new byte[4097];
        long n = sys().readlinkat(linkFd, new byte[] {0}, buf, buf.length);
        if (n < 0) {
            throw failure("readlink", Native.errno());
        }
        if (n >= buf.length) {
            throw failure("readlink", 36 /* ENAMETOOLONG */);
        }
        return java.util.Arrays.copyOf(buf, (int) n);
    }

    /** Creates the directory {@code name} in {@code dirfd} and returns an O_PATH descriptor of it. */
    public static int makeDirectory(int dirfd, byte[] name, int mode) throws IOException {
        if (sys().mkdirat(dirfd, c(name), mode) != 0) {
            throw failure("mkdir " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
        return openDirectoryEntry(dirfd, name);
    }

    /** The existing directory {@code name} of {@code dirfd}, a link there refused (ELOOP or ENOTDIR). O_PATH. */
    public static int openDirectoryEntry(int dirfd, byte[] name) throws IOException {
        int fd = sys().openat(dirfd, c(name), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("open directory " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
        return fd;
    }

    /** Creates the new regular file {@code name} in {@code dirfd} (never through a link) for writing. */
    public static int createFile(int dirfd, byte[] name, int mode) throws IOException {
        int fd = sys().openat(dirfd, c(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
            throw failure("create " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
        return fd;
    }

    public static void symlink(byte[] text, int dirfd, byte[] name) throws IOException {
        if (sys().symlinkat(c(text), dirfd, c(name)) != 0) {
            throw failure("symlink " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
    }

    /** Removes the entry {@code name} (a directory with {@code directory}) of {@code dirfd}. */
    public static void unlink(int dirfd, byte[] name, boolean directory) throws IOException {
        if (sys().unlinkat(dirfd, c(name), directory ? AT_REMOVEDIR : 0) != 0) {
            throw failure("unlink " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
    }

    /** Gives the entry {@code name} of {@code dirfd} (a link itself, never its target) to uid and gid. */
    public static void chown(int dirfd, byte[] name, int uid, int gid) throws IOException {
        if (sys().fchownat(dirfd, c(name), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
            throw failure("chown " + new String(name, StandardCharsets.UTF_8), Native.errno());
        }
    }

    /**
     * Gives what the descriptor {@code fd} (an {@code O_PATH} one too) names to uid and gid: that very inode,
     * whatever its path became since it was opened, never what a link points to.
     */
    public static void chown(int fd, int uid, int gid) throws IOException {
        if (sys().fchownat(fd, c(""), uid, gid, AT_EMPTY_PATH) != 0) {
            throw failure("chown", Native.errno());
        }
    }

    public static void chmod(int fd, int mode) throws IOException {
        if (sys().fchmod(fd, mode) != 0) {
            throw failure("chmod", Native.errno());
        }
    }

    /** Copies everything readable from {@code in} to {@code out} in the kernel; returns the bytes copied. */
    public static long copy(int in, int out) throws IOException {
        long total = 0;
        while (true) {
            long n = sys().sendfile(out, in, null, 1L << 30);
            if (n < 0) {
                int e = Native.errno();
                if (e == 4) {
                    continue;
                }
                throw failure("copy", e);
            }
            if (n == 0) {
                return total;
            }
            total += n;
        }
    }

    public static void writeAll(int fd, byte[] data) throws IOException {
        int off = 0;
        while (off < data.length) {
            byte[] chunk = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
            long n = sys().write(fd, chunk, chunk.length);
            if (n < 0) {
                if (Native.errno() == 4) {
                    continue;
                }
                throw failure("write", Native.errno());
            }
            off += (int) n;
        }
    }

    /** One read(2) into {@code buf}; 0 at the end. */
    public static int read(int fd, byte[] buf) throws IOException {
        while (true) {
            long n = sys().read(fd, buf, buf.length);
            if (n >= 0) {
                return (int) n;
            }
            if (Native.errno() != 4) {
                throw failure("read", Native.errno());
            }
        }
    }

    public static byte[] readAll(int fd) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (true) {
            long n = sys().read(fd, buf, buf.length);
            if (n < 0) {
                if (Native.errno() == 4) {
                    continue;
                }
                throw failure("read", Native.errno());
            }
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(buf, 0, (int) n);
        }
    }

    /** Closes {@code fd}; -1 is ignored. */
    public static void close(int fd) {
        if (fd >= 0) {
            sys().close(fd);
        }
    }
}
