package dev.joblet;

import dev.joblet.internal.SafePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A file, a directory or bytes copied into the job's workspace ({@code /work}) before it starts. Immutable.
 *
 * <p>Targets are relative to {@code /work}: no absolute paths, no {@code ..}. A directory is copied without
 * following links; a link inside it is kept only when it is relative and stays inside the directory, anything
 * else (a link pointing out, a device, a FIFO, a socket) is rejected.
 */
public final class Upload {
    /** What an upload copies. */
    public enum Kind {
        FILE,
        DIRECTORY,
        BYTES
    }

    private static final long BLOCK = 4096;

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

    /** The host file {@code source} (a link to it is followed: it is the caller's choice) at {@code /work/target}. */
    public static Upload file(Path source, String target) {
        dev.joblet.internal.Args.nonNull(source, "upload source");
        dev.joblet.internal.Args.nonNull(target, "upload target");
        return new Upload(Kind.FILE, source.toAbsolutePath().normalize(), null, SafePaths.relative("upload target", target));
    }

    /**
     * The contents of the host directory {@code source} under {@code /work/target}; a target of {@code "."} puts
     * them in {@code /work} itself.
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
     * Checks the source as it is now and returns the workspace bytes it needs (file sizes rounded up to 4 KiB
     * blocks, as tmpfs counts them).
     *
     * @throws IllegalArgumentException naming the source when it is missing, of the wrong type, or holds a link
     *     pointing out or a special file
     */
    long check() {
        if (kind == Kind.BYTES) {
            return blocks(data.length);
        }
        Path src = source;
        try {
            if (kind == Kind.FILE) {
                if (!Files.isRegularFile(src)) {
                    throw new IllegalArgumentException("upload (" + src + ") must be an existing regular file");
                }
                return blocks(Files.size(src));
            }
            if (!Files.isDirectory(src)) {
                throw new IllegalArgumentException("upload directory (" + src + ") must be an existing directory");
            }
            AtomicLong total = new AtomicLong();
            walk(src, (file, attrs) -> total.addAndGet(blocks(attrs.size())), null);
            return total.get();
        } catch (IOException e) {
            throw new IllegalArgumentException("upload (" + src + ") cannot be read: " + e.getMessage(), e);
        }
    }

    /** Copies into the workspace root {@code work}, re-checking everything on the way. */
    void copyInto(Path work) throws IOException {
        if (kind == Kind.BYTES) {
            Path dst = SafePaths.inside(work, target, true);
            replaceable(dst);
            Files.write(dst, data, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            return;
        }
        Path src = source;
        if (kind == Kind.FILE) {
            Path dst = SafePaths.inside(work, target, true);
            replaceable(dst);
            Files.copy(src, dst);
            return;
        }
        Path base = target.equals(".") ? work : SafePaths.inside(work, target, true);
        if (!target.equals(".") && SafePaths.attrs(base) == null) {
            Files.createDirectory(base);
        }
        walk(src, (file, attrs) -> {
            Path dst = base.resolve(src.relativize(file).toString());
            try {
                replaceable(dst);
                Files.copy(file, dst, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, dir -> {
            Path dst = base.resolve(src.relativize(dir).toString());
            try {
                BasicFileAttributes a = SafePaths.attrs(dst);
                if (a == null) {
                    Files.createDirectory(dst);
                } else if (!a.isDirectory() || a.isSymbolicLink()) {
                    throw new IOException(work.relativize(dst) + " exists and is not a directory");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** An existing target may be replaced only when it is a regular file (never a link or a directory). */
    private static void replaceable(Path dst) throws IOException {
        BasicFileAttributes a = SafePaths.attrs(dst);
        if (a != null) {
            if (!a.isRegularFile()) {
                throw new IOException(dst.getFileName() + " exists in the workspace and is not a regular file");
            }
            Files.delete(dst);
        }
    }

    private interface FileAction {
        void accept(Path file, BasicFileAttributes attrs);
    }

    private interface DirAction {
        void accept(Path dir);
    }

    private static void walk(Path root, FileAction onFileOrLink, @Nullable DirAction onDir) throws IOException {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (onDir != null && !dir.equals(root)) {
                        onDir.accept(dir);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isSymbolicLink()) {
                        Path text = Files.readSymbolicLink(file);
                        if (!SafePaths.linkStaysInside(root, file, text)) {
                            throw new IllegalArgumentException("upload directory (" + root + "): link " + root.relativize(file)
                                    + " -> " + text + " points outside the directory");
                        }
                    } else if (!attrs.isRegularFile()) {
                        throw new IllegalArgumentException("upload directory (" + root + "): " + root.relativize(file)
                                + " is not a regular file, directory or link");
                    }
                    onFileOrLink.accept(file, attrs);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK * BLOCK;
    }

    @Override
    public String toString() {
        return "Upload{" + kind + " " + (source != null ? source : data.length + " bytes") + " -> /work/" + target + "}";
    }
}
