package dev.joblet;

import dev.joblet.internal.SafePaths;
import dev.joblet.namespaces.DetachedTmpfs;
import dev.joblet.namespaces.HostFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's workspace ({@code /work}): a size-limited tmpfs that uploads are copied into before the job starts and that
 * can be read after it ended, until the job is closed. Thread-safe.
 *
 * <p>The tmpfs is mounted nowhere on the host: it is made detached ({@code fsopen}/{@code fsmount}), filled through
 * its descriptor, and moved into the job's root by the helper. Nothing of it is in the host's mount table, and it
 * goes with its last descriptor: this object's, the job's mount, and when the JVM dies, both.
 *
 * <p>Reading never follows a link the job planted: each path is resolved beneath the workspace's root with
 * {@code openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)}, only regular files are read, through the descriptor that
 * was checked. Reading while the job runs is refused.
 */
public final class Workspace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    private final Object lock = new Object();
    /** The root of the detached tmpfs (an O_PATH descriptor); -1 once closed. Guarded by lock. */
    private int root;
    private boolean ended; // guarded by lock

    private Workspace(int root) {
        this.root = root;
    }

    /** Makes the workspace of job {@code id} and copies the uploads in; nothing remains when it fails. */
    static Workspace create(JobId id, MemorySize size, long inodes, List<Upload> uploads, int uid, int gid)
            throws IOException {
        // Owned by the job's user, so it stays writable after the privilege drop.
        Workspace w = new Workspace(DetachedTmpfs.create("size=" + size.bytes() + ",nr_inodes=" + inodes
                + ",mode=0755,uid=" + uid + ",gid=" + gid));
        try {
            for (Upload u : uploads) {
                u.copyInto(w.root, uid, gid);
            }
        } catch (IOException | RuntimeException e) {
            w.close();
            throw new IOException("upload into the workspace: " + e.getMessage(), e);
        }
        log.debug("job {}: workspace made ({} uploads)", id.shortForm(), uploads.size());
        return w;
    }

    /** The descriptor the helper moves into the job's root as /work (for the mount plan). */
    int descriptor() {
        synchronized (lock) {
            if (root < 0) {
                throw new IllegalStateException("the workspace is gone: the job was closed");
            }
            return root;
        }
    }

    void jobEnded() {
        synchronized (lock) {
            ended = true;
        }
    }

    /** Caller holds lock. */
    private void checkReadable() {
        if (root < 0) {
            throw new IllegalStateException("the workspace is gone: the job was closed");
        }
        if (!ended) {
            throw new IllegalStateException("the workspace can be read once the job has ended");
        }
    }

    /** An O_PATH descriptor of {@code path} (relative to /work, checked), never through a link. Caller holds lock. */
    private int open(String path) throws IOException {
        String rel = path.equals(".") ? "." : SafePaths.relative("workspace path", path);
        try {
            return HostFiles.openBeneath(root, rel);
        } catch (HostFiles.ErrnoException e) {
            if (e.errno() == 2) {
                throw new java.nio.file.NoSuchFileException(path);
            }
            if (e.errno() == HostFiles.ELOOP) {
                throw new IOException(path + " goes through a symbolic link; links are never followed in a workspace", e);
            }
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    /** A readable descriptor of the regular file {@code path}. Caller holds lock. */
    private int regularFile(String path) throws IOException {
        int fd = open(path);
        try {
            HostFiles.Stat st = HostFiles.stat(fd);
            if (!st.isRegularFile()) {
                throw new IOException(path + " is not a regular file"
                        + (st.isSymbolicLink() ? " (a symbolic link, never followed)" : ""));
            }
            return HostFiles.reopenForReading(fd);
        } finally {
            HostFiles.close(fd);
        }
    }

    /**
     * The bytes of the regular file {@code path} (relative to /work).
     *
     * @throws IOException when a component is a link, the file is not a regular file, or it does not exist
     */
    public byte[] read(String path) throws IOException {
        synchronized (lock) {
            checkReadable();
            int fd = regularFile(path);
            try {
                return HostFiles.readAll(fd);
            } finally {
                HostFiles.close(fd);
            }
        }
    }

    /** Copies the regular file {@code path} (relative to /work) to the host file {@code target}, replacing it. */
    public void copyOut(String path, Path target) throws IOException {
        synchronized (lock) {
            checkReadable();
            int fd = regularFile(path);
            try (OutputStream out = Files.newOutputStream(target)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = HostFiles.read(fd, buf)) > 0) {
                    out.write(buf, 0, n);
                }
            } finally {
                HostFiles.close(fd);
            }
        }
    }

    /**
     * The entries of the directory {@code path} (relative to /work; {@code "."} for /work itself), sorted, with
     * {@code /} after directories and {@code @} after links (which are never followed).
     */
    public List<String> list(String path) throws IOException {
        synchronized (lock) {
            checkReadable();
            int fd = open(path);
            try {
                HostFiles.Stat st = HostFiles.stat(fd);
                if (!st.isDirectory()) {
                    throw new IOException(path + " is not a directory of the workspace");
                }
                int dir = HostFiles.reopenDirectory(fd);
                try {
                    List<String> out = new ArrayList<>();
                    for (HostFiles.Entry e : HostFiles.list(dir)) {
                        HostFiles.Stat es = HostFiles.statEntry(dir, e.name());
                        String suffix = es == null ? "" : es.isSymbolicLink() ? "@" : es.isDirectory() ? "/" : "";
                        out.add(e.displayName() + suffix);
                    }
                    out.sort(null);
                    return out;
                } finally {
                    HostFiles.close(dir);
                }
            } finally {
                HostFiles.close(fd);
            }
        }
    }

    /** Lets go of the workspace: its tmpfs is freed once the job's mount of it is gone too. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            HostFiles.close(root);
            root = -1;
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "Workspace{" + (root < 0 ? "closed" : "fd " + root) + (ended ? ", ended" : "") + "}";
        }
    }
}
