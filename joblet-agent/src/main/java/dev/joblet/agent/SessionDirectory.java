package dev.joblet.agent;

import dev.joblet.Volume;
import dev.joblet.namespaces.HostFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A session's {@code /work}: a private host directory (mode 0700) bound writable into each call's job.
 *
 * <p>Not a {@link dev.joblet.Workspace}, which is one job's detached tmpfs and goes with that job: this directory
 * outlives every call's job and is handed from one to the next as a volume, so it is a host directory that the
 * session owns and {@link #delete() deletes}.
 *
 * <p>The jobs write into it as they like, and a job may run while the host reads or writes it, so the host side
 * trusts nothing in it and never uses a path twice: the directory is held open ({@code O_PATH}) from creation;
 * every path is resolved once beneath that descriptor with {@code openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)},
 * and every file is then created, read, listed or removed relative to the descriptor it found ({@code openat},
 * {@code mkdirat}, {@code unlinkat} with {@code O_NOFOLLOW}). A link planted anywhere on the way, or a directory
 * swapped for one while an operation runs, makes the operation fail; it never makes the JVM touch a host file
 * outside. Paths are relative (or start with {@code /work/}) and free of {@code ..}. Not thread-safe: the session
 * serializes; owns one descriptor, closed by {@link #delete()}.
 */
final class SessionDirectory {
    private static final int ENOENT = 2, EEXIST = 17, ENOTDIR = 20;
    private final Path dir;
    /** O_PATH descriptor of {@link #dir}; -1 once deleted. */
    private int root;
    /** The job's user on the host: the directory and everything put into it belong to it, so jobs can write. */
    private final int uid;
    private final int gid;
    /** Largest file read or written. */
    private final long fileLimit;

    private SessionDirectory(Path dir, int root, int uid, int gid, long fileLimit) {
        this.dir = dir;
        this.root = root;
        this.uid = uid;
        this.gid = gid;
        this.fileLimit = fileLimit;
    }

    static SessionDirectory create(Path parent, int uid, int gid, long fileLimit) throws IOException {
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "joblet-session-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int fd;
        try {
            fd = HostFiles.openPath(dir.toString());
        } catch (IOException e) {
            Files.deleteIfExists(dir);
            throw e;
        }
        SessionDirectory w = new SessionDirectory(dir, fd, uid, gid, fileLimit);
        try {
            Path name = dir.getFileName();
            int up = HostFiles.openPath(parentOf(dir));
            try {
                HostFiles.chown(up, bytes(name.toString()), uid, gid);
            } finally {
                HostFiles.close(up);
            }
        } catch (IOException | RuntimeException e) {
            w.delete();
            throw e;
        }
        return w;
    }

    /** The directory that holds a session's (a temporary directory under the session root, so it has one). */
    private static String parentOf(Path dir) {
        Path p = dir.toAbsolutePath().getParent();
        if (p == null) {
            throw new IllegalStateException("session directory " + dir + " has no parent");
        }
        return p.toString();
    }

    /** The host uid the session's jobs run as (or that their root in a user namespace is). */
    int uid() {
        return uid;
    }

    int gid() {
        return gid;
    }

    long fileLimit() {
        return fileLimit;
    }

    Volume volume() {
        return new Volume(dir, "/work", true);
    }

    Path directory() {
        return dir;
    }

    /** {@code path} as components below /work, refusing escapes; method names the caller's method for messages. */
    private static List<String> parts(String method, String path, boolean rootAllowed) {
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(method + ": path (" + path.replace('\0', '?') + ") must not contain NUL");
        }
        String rel = path.equals("/work") ? "" : path.startsWith("/work/") ? path.substring("/work/".length()) : path;
        if (rel.startsWith("/")) {
            throw new IllegalArgumentException(method + ": path (" + path + ") must be relative to /work or under /work/");
        }
        List<String> out = new ArrayList<>();
        for (String part : rel.split("/", -1)) {
            if (part.equals("..")) {
                throw new IllegalArgumentException(method + ": path (" + path + ") must not contain '..'");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                out.add(part);
            }
        }
        if (out.isEmpty() && !rootAllowed) {
            throw new IllegalArgumentException(method + ": path (" + path + ") must name a file under /work");
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String shown(List<String> parts) {
        return "/work" + (parts.isEmpty() ? "" : "/" + String.join("/", parts));
    }

    private int root(String method) {
        if (root < 0) {
            throw new IllegalStateException(method + ": the session's directory is removed");
        }
        return root;
    }

    /** An IOException for a failed look-up of {@code parts}, in the caller's words. */
    private static IOException explain(List<String> parts, IOException e) {
        if (e instanceof HostFiles.ErrnoException x) {
            switch (x.errno()) {
                case ENOENT:
                    return new NoSuchFileException(shown(parts));
                case HostFiles.ELOOP:
                    return new IOException(shown(parts) + ": a component is a symbolic link; the session does not"
                            + " follow links out of the sandbox", e);
                case ENOTDIR:
                    // openat(O_DIRECTORY | O_NOFOLLOW) of a link says ENOTDIR
                    return new IOException(shown(parts) + ": a component is a symbolic link or not a directory; the"
                            + " session does not follow links out of the sandbox", e);
                case EEXIST:
                    return new FileAlreadyExistsException(shown(parts), null, "appeared while it was written");
                default:
                    break;
            }
            return new IOException(shown(parts) + ": " + e.getMessage(), e);
        }
        return e;
    }

    /** O_PATH descriptor of what {@code parts} names (a link at the end itself), resolved once beneath /work. */
    private int open(String method, List<String> parts) throws IOException {
        int top = root(method);
        if (parts.isEmpty()) {
            return HostFiles.openBeneath(top, ".");
        }
        try {
            return HostFiles.openBeneath(top, String.join("/", parts));
        } catch (IOException e) {
            throw explain(parts, e);
        }
    }

    /** The directory {@code parts}, made (with its missing parents, given to the job's user) when absent. */
    private int openOrMakeDirectories(String method, List<String> parts) throws IOException {
        int cur = HostFiles.openBeneath(root(method), ".");
        try {
            for (int i = 0; i < parts.size(); i++) {
                byte[] name = bytes(parts.get(i));
                int next;
                try {
                    next = HostFiles.openDirectoryEntry(cur, name);
                } catch (HostFiles.ErrnoException e) {
                    if (e.errno() != ENOENT) {
                        throw explain(parts.subList(0, i + 1), e);
                    }
                    try {
                        next = HostFiles.makeDirectory(cur, name, 0755);
                        HostFiles.chown(cur, name, uid, gid);
                    } catch (IOException made) {
                        throw explain(parts.subList(0, i + 1), made);
                    }
                }
                HostFiles.close(cur);
                cur = next;
            }
            return cur;
        } catch (IOException | RuntimeException e) {
            HostFiles.close(cur);
            throw e;
        }
    }

    private IOException tooLarge(String method, List<String> parts, long size) {
        return new IOException(method + ": " + shown(parts) + " has " + size + " bytes, more than the session's file"
                + " limit (" + fileLimit + " bytes)");
    }

    /** Writes (replaces) a regular file, making missing parent directories. */
    void put(String method, String path, byte[] data) throws IOException {
        List<String> parts = parts(method, path, false);
        if (data.length > fileLimit) {
            throw tooLarge(method, parts, data.length);
        }
        int parent = openOrMakeDirectories(method, parts.subList(0, parts.size() - 1));
        try {
            byte[] name = bytes(parts.get(parts.size() - 1));
            HostFiles.Stat old = HostFiles.statEntry(parent, name);
            if (old != null) {
                if (old.isSymbolicLink()) {
                    throw new IOException(shown(parts) + " is a symbolic link; the session does not follow links out of"
                            + " the sandbox");
                }
                if (old.isDirectory()) {
                    throw new IOException(shown(parts) + " is a directory");
                }
                HostFiles.unlink(parent, name, false);
            }
            int fd;
            try {
                fd = HostFiles.createFile(parent, name, 0644); // O_EXCL | O_NOFOLLOW: a link planted since is refused
            } catch (IOException e) {
                throw explain(parts, e);
            }
            try {
                HostFiles.writeAll(fd, data);
            } finally {
                HostFiles.close(fd);
            }
            HostFiles.chown(parent, name, uid, gid);
        } finally {
            HostFiles.close(parent);
        }
    }

    /** Reads a regular file of at most the file limit. */
    byte[] get(String method, String path) throws IOException {
        List<String> parts = parts(method, path, false);
        int fd = open(method, parts);
        try {
            HostFiles.Stat st = HostFiles.stat(fd);
            if (st.isSymbolicLink()) {
                throw new IOException(shown(parts) + " is a symbolic link; the session does not follow links out of"
                        + " the sandbox");
            }
            if (!st.isRegularFile()) {
                throw new IOException(shown(parts) + " is not a regular file");
            }
            if (st.size() > fileLimit) {
                throw tooLarge(method, parts, st.size());
            }
            int in = HostFiles.reopenForReading(fd); // the very file found, whatever its path became since
            try {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) st.size());
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = HostFiles.read(in, buf)) > 0; ) {
                    if (out.size() + (long) n > fileLimit) { // it grew while read
                        throw tooLarge(method, parts, out.size() + (long) n);
                    }
                    out.write(buf, 0, n);
                }
                return out.toByteArray();
            } finally {
                HostFiles.close(in);
            }
        } finally {
            HostFiles.close(fd);
        }
    }

    boolean exists(String method, String path) throws IOException {
        List<String> parts = parts(method, path, false);
        int fd;
        try {
            fd = open(method, parts);
        } catch (NoSuchFileException e) {
            return false;
        }
        HostFiles.close(fd);
        return true;
    }

    /** The entries of a directory, sorted by name; links are listed as links. */
    List<FileEntry> list(String method, String path) throws IOException {
        List<String> parts = parts(method, path, true);
        int fd = open(method, parts);
        try {
            HostFiles.Stat st = HostFiles.stat(fd);
            if (!st.isDirectory()) {
                throw new IOException(shown(parts) + " is not a directory" + (st.isSymbolicLink() ? " (a symbolic link)" : ""));
            }
            int d = HostFiles.reopenDirectory(fd);
            try {
                List<FileEntry> out = new ArrayList<>();
                for (HostFiles.Entry e : HostFiles.list(d)) {
                    HostFiles.Stat es = HostFiles.statEntry(d, e.name());
                    if (es != null) { // null: removed since it was listed
                        out.add(new FileEntry(e.displayName(), type(es), es.size()));
                    }
                }
                out.sort(Comparator.comparing(FileEntry::name));
                return out;
            } finally {
                HostFiles.close(d);
            }
        } finally {
            HostFiles.close(fd);
        }
    }

    private static FileEntry.Type type(HostFiles.Stat s) {
        return s.isRegularFile() ? FileEntry.Type.FILE : s.isDirectory() ? FileEntry.Type.DIRECTORY
                : s.isSymbolicLink() ? FileEntry.Type.LINK : FileEntry.Type.OTHER;
    }

    /** Makes a directory and its missing parents; an existing directory is fine. */
    void makeDirectory(String method, String path) throws IOException {
        HostFiles.close(openOrMakeDirectories(method, parts(method, path, false)));
    }

    /** Removes a file, a link (never its target) or a directory with everything in it; false when absent. */
    boolean remove(String method, String path) throws IOException {
        List<String> parts = parts(method, path, false);
        int parent;
        try {
            parent = open(method, parts.subList(0, parts.size() - 1));
        } catch (NoSuchFileException e) {
            return false;
        }
        try {
            byte[] name = bytes(parts.get(parts.size() - 1));
            HostFiles.Stat st = HostFiles.statEntry(parent, name);
            if (st == null) {
                return false;
            }
            try {
                if (st.isDirectory()) {
                    FileTrees.removeTree(parent, name);
                } else {
                    HostFiles.unlink(parent, name, false);
                }
            } catch (IOException e) {
                throw explain(parts, e);
            }
            return true;
        } finally {
            HostFiles.close(parent);
        }
    }

    /** Removes the directory and everything in it, never following links, and closes its descriptor. Idempotent. */
    void delete() throws IOException {
        if (root < 0) {
            return;
        }
        int up = HostFiles.openPath(parentOf(dir));
        try {
            HostFiles.close(root);
            root = -1;
            HostFiles.Stat st = HostFiles.statEntry(up, bytes(dir.getFileName().toString()));
            if (st != null && st.isDirectory()) {
                FileTrees.removeTree(up, bytes(dir.getFileName().toString()));
            }
        } finally {
            HostFiles.close(up);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
