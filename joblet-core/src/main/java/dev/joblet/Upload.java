package dev.joblet;

import dev.joblet.internal.SafePaths;
import dev.joblet.namespaces.HostFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A file, a directory or bytes copied into the job's workspace ({@code /work}) before it starts. Immutable.
 *
 * <p>Targets are relative to {@code /work}: no absolute paths, no {@code ..}. A host source is resolved once, with
 * no symbolic link allowed in any component of its path but the last, and everything is then read through
 * descriptors: a directory is walked entry by entry relative to the descriptor of its parent, each entry opened
 * without following links, and a file's contents are copied from the descriptor that was checked, so renaming or
 * swapping parts of the tree while it is copied cannot make the copy reach outside the directory named. Links are
 * copied as links: the same text, never followed by the host (inside the job they resolve in the job's own root).
 * Devices, FIFOs and sockets are refused. Uploads are copied as the job's user.
 */
public final class Upload {
    /** What an upload copies. */
    public enum Kind {
        FILE,
        DIRECTORY,
        BYTES
    }

    private static final long BLOCK = 4096;
    /** Deeper trees are refused (each level holds two descriptors while it is copied). */
    private static final int MAX_DEPTH = 128;

    private final Kind kind;
    private final @Nullable Path source;
    private final byte @Nullable [] data;
    private final String target;

    private Upload(Kind kind, @Nullable Path source, byte @Nullable [] data, String target) {
        this.kind = kind;
        this.source = source;
        this.data = data;
        this.target = target;
    }

    /**
     * The host file {@code source} at {@code /work/target}. A link as {@code source} is copied as a link (never
     * followed); a link in a parent directory of it is refused.
     */
    public static Upload file(Path source, String target) {
        dev.joblet.internal.Args.nonNull(source, "upload source");
        dev.joblet.internal.Args.nonNull(target, "upload target");
        return new Upload(Kind.FILE, source.toAbsolutePath().normalize(), null, SafePaths.relative("upload target", target));
    }

    /**
     * The contents of the host directory {@code source} under {@code /work/target}; a target of {@code "."} puts
     * them in {@code /work} itself. {@code source} and its parents must not be links.
     */
    public static Upload directory(Path source, String target) {
        dev.joblet.internal.Args.nonNull(source, "upload directory");
        dev.joblet.internal.Args.nonNull(target, "upload target");
        String t = target.equals(".") ? "." : SafePaths.relative("upload target", target);
        return new Upload(Kind.DIRECTORY, source.toAbsolutePath().normalize(), null, t);
    }

    /** These bytes as the file {@code /work/target}. */
    public static Upload bytes(byte[] data, String target) {
        dev.joblet.internal.Args.nonNull(data, "upload bytes");
        dev.joblet.internal.Args.nonNull(target, "upload target");
        return new Upload(Kind.BYTES, null, data.clone(), SafePaths.relative("upload target", target));
    }

    public Kind kind() {
        return kind;
    }

    /** The target relative to {@code /work}; {@code "."} for a directory copied into /work itself. */
    public String target() {
        return target;
    }

    /** The host path, for files and directories. */
    public @Nullable Path source() {
        return source;
    }

    /**
     * Walks the source as it is now, by the same rules as the copy, and returns the workspace bytes it needs (file
     * sizes rounded up to 4 KiB blocks, as tmpfs counts them). The copy at the start walks again and re-checks
     * everything; the workspace's size limit holds whatever changed in between.
     *
     * @throws IllegalArgumentException naming the source when it is missing, of the wrong type, reached through a
     *     link, or holds a special file
     */
    long check() {
        if (data != null) { // Kind.BYTES
            return blocks(data.length);
        }
        try {
            return copy(-1, 0, 0);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Copies into the workspace whose root directory is the descriptor {@code work}, owned by uid and gid. */
    void copyInto(int work, int uid, int gid) throws IOException {
        copy(work, uid, gid);
    }

    /** With {@code work} -1 only sizes the source. */
    private long copy(int work, int uid, int gid) throws IOException {
        Copy c = new Copy(work, uid, gid);
        if (data != null) { // Kind.BYTES
            c.bytes(target, data);
            return blocks(data.length);
        }
        Path source = Objects.requireNonNull(this.source, "a file or directory upload has a source");
        String where = kind == Kind.FILE ? "upload (" + source + ")" : "upload directory (" + source + ")";
        int src;
        try {
            src = HostFiles.openPath(source.toString());
        } catch (HostFiles.ErrnoException e) {
            throw new IllegalArgumentException(where + (e.errno() == 2 ? (kind == Kind.FILE
                    ? " must be an existing regular file" : " must be an existing directory")
                    : e.errno() == HostFiles.ELOOP ? " is reached through a symbolic link; links are never followed:"
                            + " name the real path" : " cannot be opened: " + e.getMessage()), e);
        }
        try {
            HostFiles.Stat st = HostFiles.stat(src);
            if (kind == Kind.FILE) {
                if (!st.isRegularFile() && !st.isSymbolicLink()) {
                    throw new IllegalArgumentException(where + " must be an existing regular file");
                }
                return c.entry(src, st, target, where);
            }
            if (!st.isDirectory()) {
                throw new IllegalArgumentException(where + " must be an existing directory"
                        + (st.isSymbolicLink() ? " (it is a symbolic link; links are never followed)" : ""));
            }
            int base = target.equals(".") ? c.root() : c.directory(target);
            try {
                return c.tree(src, base, "", where, 0);
            } finally {
                if (base != c.root()) {
                    HostFiles.close(base);
                }
            }
        } finally {
            HostFiles.close(src);
        }
    }

    /** One copy into a workspace (or a sizing, when the workspace is -1). */
    private static final class Copy {
        private final int work;
        private final int uid;
        private final int gid;

        Copy(int work, int uid, int gid) {
            this.work = work;
            this.uid = uid;
            this.gid = gid;
        }

        int root() {
            return work;
        }

        boolean sizing() {
            return work < 0;
        }

        void bytes(String target, byte[] data) throws IOException {
            if (sizing()) {
                return;
            }
            Dest d = dest(target);
            try {
                int out = HostFiles.createFile(d.parent, d.name, 0644);
                try {
                    HostFiles.writeAll(out, data);
                } finally {
                    HostFiles.close(out);
                }
                HostFiles.chown(d.parent, d.name, uid, gid);
            } finally {
                d.close();
            }
        }

        /** A regular file or a link (the O_PATH descriptor {@code src}) as {@code target}. */
        long entry(int src, HostFiles.Stat st, String target, String where) throws IOException {
            if (sizing()) {
                return st.isRegularFile() ? blocks(st.size()) : 0;
            }
            Dest d = dest(target);
            try {
                return put(src, st, d.parent, d.name, where, target);
            } finally {
                d.close();
            }
        }

        /** Copies {@code src} (O_PATH, regular or link) as {@code name} in {@code dir}, replacing a regular file. */
        private long put(int src, HostFiles.Stat st, int dir, byte[] name, String where, String shown) throws IOException {
            replaceable(dir, name, shown);
            if (st.isSymbolicLink()) {
                HostFiles.symlink(HostFiles.readLink(src), dir, name);
                HostFiles.chown(dir, name, uid, gid);
                return 0;
            }
            int in = HostFiles.reopenForReading(src);
            try {
                HostFiles.Stat now = HostFiles.stat(in);
                if (!now.isRegularFile()) {
                    throw new IllegalArgumentException(where + ": " + shown + " is not a regular file");
                }
                int out = HostFiles.createFile(dir, name, 0600);
                try {
                    HostFiles.copy(in, out);
                    HostFiles.chmod(out, st.permissions());
                } finally {
                    HostFiles.close(out);
                }
                HostFiles.chown(dir, name, uid, gid);
                return blocks(now.size());
            } finally {
                HostFiles.close(in);
            }
        }

        /**
         * Copies the entries of the directory {@code src} (O_PATH) into the directory {@code dst} (unused when
         * sizing); {@code rel} is where they are in the upload, for messages.
         */
        long tree(int src, int dst, String rel, String where, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException(where + ": " + rel + " is more than " + MAX_DEPTH + " directories deep");
            }
            long total = 0;
            int dir = HostFiles.reopenDirectory(src);
            try {
                for (HostFiles.Entry e : HostFiles.list(dir)) {
                    String shown = rel + e.displayName();
                    int fd;
                    try {
                        fd = HostFiles.openEntry(dir, e.name());
                    } catch (HostFiles.ErrnoException gone) {
                        if (gone.errno() == 2) {
                            continue; // removed since it was listed
                        }
                        throw gone;
                    }
                    try {
                        HostFiles.Stat st = HostFiles.stat(fd);
                        if (st.isDirectory()) {
                            int sub = sizing() ? -1 : subdirectory(dst, e.name(), shown, st.permissions());
                            try {
                                total += tree(fd, sub, shown + "/", where, depth + 1);
                            } finally {
                                HostFiles.close(sub);
                            }
                        } else if (st.isRegularFile() || st.isSymbolicLink()) {
                            total += sizing() ? (st.isRegularFile() ? blocks(st.size()) : 0)
                                    : put(fd, st, dst, e.name(), where, shown);
                        } else {
                            throw new IllegalArgumentException(where + ": " + shown
                                    + " is not a regular file, directory or link");
                        }
                    } finally {
                        HostFiles.close(fd);
                    }
                }
            } finally {
                HostFiles.close(dir);
            }
            return total;
        }

        /** The directory {@code name} of {@code dir}: made (with the source's permissions), or an existing one. */
        private int subdirectory(int dir, byte[] name, String shown, int permissions) throws IOException {
            HostFiles.Stat st = HostFiles.statEntry(dir, name);
            if (st == null) {
                int fd = HostFiles.makeDirectory(dir, name, 0700);
                HostFiles.chown(dir, name, uid, gid);
                int rd = HostFiles.reopenDirectory(fd);
                try {
                    HostFiles.chmod(rd, permissions | 0700);
                } finally {
                    HostFiles.close(rd);
                }
                return fd;
            }
            if (!st.isDirectory()) {
                throw new IOException(shown + " exists in the workspace and is not a directory");
            }
            return HostFiles.openDirectoryEntry(dir, name);
        }

        /** The directory {@code target} of the workspace, made with its parents where missing. */
        int directory(String target) throws IOException {
            if (sizing()) {
                return -1;
            }
            Dest d = dest(target);
            try {
                return subdirectory(d.parent, d.name, target, 0755);
            } finally {
                d.close();
            }
        }

        /** The parent directory of {@code target} (made where missing, never through a link) and the last name. */
        private Dest dest(String target) throws IOException {
            String[] parts = target.split("/");
            int dir = work;
            try {
                for (int i = 0; i < parts.length - 1; i++) {
                    int next = subdirectory(dir, c(parts[i]), String.join("/", java.util.Arrays.copyOf(parts, i + 1)), 0755);
                    if (dir != work) {
                        HostFiles.close(dir);
                    }
                    dir = next;
                }
            } catch (IOException | RuntimeException e) {
                if (dir != work) {
                    HostFiles.close(dir);
                }
                throw e;
            }
            return new Dest(dir, c(parts[parts.length - 1]), dir != work);
        }

        /** An existing target may be replaced only when it is a regular file (never a link or a directory). */
        private static void replaceable(int dir, byte[] name, String shown) throws IOException {
            HostFiles.Stat st = HostFiles.statEntry(dir, name);
            if (st != null) {
                if (!st.isRegularFile()) {
                    throw new IOException(shown + " exists in the workspace and is not a regular file");
                }
                HostFiles.unlink(dir, name, false);
            }
        }
    }

    // Never compared nor hashed: it only carries a directory descriptor and a name to the next call.
    @SuppressWarnings("ArrayRecordComponent")
    private record Dest(int parent, byte[] name, boolean owned) {
        void close() {
            if (owned) {
                HostFiles.close(parent);
            }
        }
    }

    private static byte[] c(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK * BLOCK;
    }

    @Override
    public String toString() {
        return "Upload{" + kind + " " + (data != null ? data.length + " bytes" : source) + " -> /work/" + target + "}";
    }
}
