package dev.joblet;

import dev.joblet.internal.SafePaths;
import dev.joblet.namespaces.KernelOwned;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's workspace ({@code /work}) kept on the host: a size-limited tmpfs that uploads are copied into before the
 * job starts and that can be read after it ended, until the job is closed. Thread-safe.
 *
 * <p>The tmpfs is mounted nowhere on the host ({@link KernelOwned#detachedTmpfs}): this object holds its
 * descriptor, the job's supervisor binds it as the job's {@code /work} through {@code /proc/<jvm>/fd/N}, and the
 * kernel frees it once the descriptor is closed and the job's mount namespace is gone, also when the JVM is killed.
 * Nothing is left for a later JVM to sweep.
 *
 * <p>Reading never follows a link the job planted: every component is checked with {@code lstat} (the job has
 * ended, so nothing changes the tree any more), only regular files are read, and they are opened without
 * following links. Reading while the job runs is refused.
 */
public final class Workspace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    private final KernelOwned.DetachedMount mount;
    /** This JVM's path to the tmpfs's root ({@code /proc/self/fd/N/.}: a directory, not the link). */
    private final Path dir;
    private final Object lock = new Object();
    private boolean ended; // guarded by lock
    private boolean closed; // guarded by lock

    private Workspace(KernelOwned.DetachedMount mount) {
        this.mount = mount;
        this.dir = mount.root().resolve(".");
    }

    /** Makes the workspace of job {@code id} and copies the uploads in; nothing remains when it fails. */
    static Workspace create(String id, MemorySize size, long inodes, List<Upload> uploads, int uid, int gid)
            throws IOException {
        // Owned by the job's user, so it stays writable after the privilege drop.
        Workspace w = new Workspace(KernelOwned.detachedTmpfs("mode=0755", "size=" + size.bytes(),
                "nr_inodes=" + inodes, "uid=" + uid,
                "gid=" + gid));
        try {
            for (Upload u : uploads) {
                u.copyInto(w.dir);
            }
            chownTree(w.dir, uid, gid);
        } catch (IOException | RuntimeException e) {
            w.close();
            throw new IOException("upload into the workspace: " + e.getMessage(), e);
        }
        log.debug("job {}: workspace {} ({} uploads)", id.substring(0, 8), w.mount, uploads.size());
        return w;
    }

    /** Gives everything uploaded to the job's user, never following links. */
    private static void chownTree(Path dir, int uid, int gid) throws IOException {
        java.nio.file.attribute.UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
        java.nio.file.attribute.UserPrincipal user = lookup.lookupPrincipalByName(Integer.toString(uid));
        java.nio.file.attribute.GroupPrincipal group = lookup.lookupPrincipalByGroupName(Integer.toString(gid));
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                java.nio.file.attribute.PosixFileAttributeView view = Files.getFileAttributeView(p,
                        java.nio.file.attribute.PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                view.setOwner(user);
                view.setGroup(group);
            }
        }
    }

    /** The path the job's supervisor binds as /work (for the mount plan): the tmpfs's root, not the magic link. */
    Path directory() {
        return mount.bindSource().resolve(".");
    }

    void jobEnded() {
        synchronized (lock) {
            ended = true;
        }
    }

    private void checkReadable() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the workspace is gone: the job was closed");
            }
            if (!ended) {
                throw new IllegalStateException("the workspace can be read once the job has ended");
            }
        }
    }

    /**
     * The bytes of the regular file {@code path} (relative to /work).
     *
     * @throws IOException when a component is a link, the file is not a regular file, or it does not exist
     */
    public byte[] read(String path) throws IOException {
        checkReadable();
        Path p = regularFile(path);
        try (InputStream in = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readAllBytes();
        }
    }

    /** Copies the regular file {@code path} (relative to /work) to the host file {@code target}, replacing it. */
    public void copyOut(String path, Path target) throws IOException {
        checkReadable();
        Path p = regularFile(path);
        try (InputStream in = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The entries of the directory {@code path} (relative to /work; {@code "."} for /work itself), sorted, with
     * {@code /} after directories and {@code @} after links (which are never followed).
     */
    public List<String> list(String path) throws IOException {
        checkReadable();
        Path p = path.equals(".") ? dir : SafePaths.inside(dir, SafePaths.relative("workspace path", path), false);
        BasicFileAttributes a = SafePaths.attrs(p);
        if (a == null || !a.isDirectory() || a.isSymbolicLink()) {
            throw new IOException(path + " is not a directory of the workspace");
        }
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
            for (Path e : entries) {
                BasicFileAttributes ea = SafePaths.attrs(e);
                String suffix = ea == null ? "" : ea.isSymbolicLink() ? "@" : ea.isDirectory() ? "/" : "";
                out.add(e.getFileName() + suffix);
            }
        }
        out.sort(null);
        return out;
    }

    private Path regularFile(String path) throws IOException {
        Path p = SafePaths.inside(dir, SafePaths.relative("workspace path", path), false);
        BasicFileAttributes a = SafePaths.attrs(p);
        if (a == null) {
            throw new java.nio.file.NoSuchFileException(path);
        }
        if (!a.isRegularFile()) {
            throw new IOException(path + " is not a regular file" + (a.isSymbolicLink() ? " (a link, never followed)" : ""));
        }
        return p;
    }

    /** Closes the tmpfs's descriptor: its files are freed (at once when the job has ended). Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        mount.close();
    }

    @Override
    public String toString() {
        return "Workspace{" + mount + "}";
    }
}
