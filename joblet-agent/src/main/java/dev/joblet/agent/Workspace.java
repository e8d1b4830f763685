package dev.joblet.agent;

import dev.joblet.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A session's {@code /work}: a private host directory (mode 0700) bound writable into each call's job.
 *
 * <p>The jobs write into it as root, so the host side trusts nothing in it: paths are relative and free of
 * {@code ..}, no component may be a symbolic link, reads need a regular file, and removal never follows links.
 * This is race-free because the session runs one job at a time and every process of a job dies with its PID 1,
 * so nothing changes the directory while the host reads or writes it. Not thread-safe: the session serializes.
 */
final class Workspace {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private final Path dir;
    /** The job's user on the host: the directory and everything put into it belong to it, so jobs can write. */
    private final int uid;
    private final int gid;

    private Workspace(Path dir, int uid, int gid) {
        this.dir = dir;
        this.uid = uid;
        this.gid = gid;
    }

    static Workspace create(Path root, int uid, int gid) throws IOException {
        Files.createDirectories(root);
        Path dir = Files.createTempDirectory(root, "joblet-session-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Workspace w = new Workspace(dir, uid, gid);
        w.chown(dir);
        return w;
    }

    /** Gives p (never a link target) to the job's user. */
    private void chown(Path p) throws IOException {
        java.nio.file.attribute.UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        java.nio.file.attribute.PosixFileAttributeView view =
                Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class, NOFOLLOW);
        view.setOwner(lookup.lookupPrincipalByName(Integer.toString(uid)));
        view.setGroup(lookup.lookupPrincipalByGroupName(Integer.toString(gid)));
    }

    /** The host uid the session's jobs run as (or that their root in a user namespace is). */
    int uid() {
        return uid;
    }

    int gid() {
        return gid;
    }

    Volume volume() {
        return new Volume(dir, "/work", true);
    }

    Path directory() {
        return dir;
    }

    /** Resolves a relative path, refusing escapes; method names the caller's method for messages. */
    private Path resolve(String method, String path) {
        if (path.isEmpty() || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(method + ": path (" + path.replace('\0', '?') + ") must be a non-empty file name");
        }
        String rel = path.startsWith("/work/") ? path.substring("/work/".length()) : path;
        Path p = Path.of(rel);
        if (p.isAbsolute()) {
            throw new IllegalArgumentException(method + ": path (" + path + ") must be relative to /work or under /work/");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw new IllegalArgumentException(method + ": path (" + path + ") must not contain '..'");
            }
        }
        Path resolved = dir.resolve(p).normalize();
        if (!resolved.startsWith(dir) || resolved.equals(dir)) {
            throw new IllegalArgumentException(method + ": path (" + path + ") must name a file under /work");
        }
        return resolved;
    }

    /** Fails when any existing component between the workspace and p (inclusive) is a symbolic link. */
    private void refuseLinks(String path, Path p) throws IOException {
        Path cur = dir;
        for (Path part : dir.relativize(p)) {
            cur = cur.resolve(part);
            if (Files.isSymbolicLink(cur)) {
                throw new IOException("/work/" + path + ": " + "/work/" + dir.relativize(cur)
                        + " is a symbolic link; the session does not follow links out of the sandbox");
            }
        }
    }

    void put(String path, byte[] data) throws IOException {
        Path p = resolve("put", path);
        refuseLinks(path, p);
        Path parent = p.getParent();
        if (parent != null && !parent.equals(dir)) {
            // p is below dir (resolve() checked it), so every parent up to dir exists as a Path.
            Path missing = parent;
            for (Path up = missing.getParent(); up != null && !up.equals(dir) && !Files.exists(up, NOFOLLOW);
                    up = missing.getParent()) {
                missing = up;
            }
            Files.createDirectories(parent);
            refuseLinks(path, p);
            for (Path d = parent; d != null && d.startsWith(missing); d = d.getParent()) {
                chown(d); // the directories put() made
            }
        }
        try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            out.write(data);
        }
        chown(p);
    }

    byte[] get(String path, long maxBytes) throws IOException {
        Path p = resolve("get", path);
        refuseLinks(path, p);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException("/work/" + path);
        }
        if (!a.isRegularFile()) {
            throw new IOException("/work/" + path + " is not a regular file");
        }
        if (a.size() > maxBytes) {
            throw new IOException("/work/" + path + " has " + a.size() + " bytes, more than get() returns (" + maxBytes + ")");
        }
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes((int) maxBytes);
        }
    }

    boolean exists(String path) throws IOException {
        Path p = resolve("exists", path);
        refuseLinks(path, p);
        return Files.exists(p, NOFOLLOW);
    }

    /** Removes the directory and everything in it, never following links. */
    void delete() throws IOException {
        if (!Files.exists(dir, NOFOLLOW)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
