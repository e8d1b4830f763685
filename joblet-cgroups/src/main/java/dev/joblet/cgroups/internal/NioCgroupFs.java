package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** {@link CgroupFs} with plain java.nio calls. Immutable and thread-safe. */
public final class NioCgroupFs implements CgroupFs {
    public static final NioCgroupFs INSTANCE = new NioCgroupFs();
    /** Per-thread read buffer: cgroup files are small (one line, or a few dozen). */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(4096));

    private NioCgroupFs() {}

    @Override
    public String read(Path file) throws CgroupException {
        try {
            return readFile(file);
        } catch (IOException e) {
            throw failure("read", file, e);
        }
    }

    @Override
    public @Nullable String readIfExists(Path file) throws CgroupException {
        try {
            return readFile(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw failure("read", file, e);
        }
    }

    /**
     * open, read until end of file into this thread's buffer, close: no fstat for a size (cgroupfs reports 4096
     * or 0 anyway) and no heap-to-direct copy.
     */
    private static String readFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readAll(ch);
        }
    }

    /** The rest of {@code ch} as ASCII text, read into this thread's buffer. */
    static String readAll(ReadableByteChannel ch) throws IOException {
        ByteBuffer buf = BUFFER.get();
        buf.clear();
        byte @Nullable [] spill = null;
        int spilled = 0;
        while (ch.read(buf) >= 0) {
            if (!buf.hasRemaining()) {
                // Longer than the buffer (a big cgroup.procs): move it to a growing array.
                buf.flip();
                if (spill == null || spill.length - spilled < buf.remaining()) {
                    spill = Arrays.copyOf(spill == null ? new byte[0] : spill,
                            Math.max(2 * spilled, spilled + buf.remaining()));
                }
                int n = buf.remaining();
                buf.get(spill, spilled, n);
                spilled += n;
                buf.clear();
            }
        }
        buf.flip();
        if (spill == null) {
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        byte[] all = Arrays.copyOf(spill, spilled + buf.remaining());
        buf.get(all, spilled, buf.remaining());
        return new String(all, StandardCharsets.US_ASCII);
    }

    @Override
    public void write(Path file, String value) throws CgroupException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, value);
        } catch (IOException e) {
            throw writeFailure(file, value, e);
        }
    }

    /** One write(2) per value: cgroupfs parses each write on its own. */
    static void writeAll(WritableByteChannel ch, String value) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    static CgroupException writeFailure(Path file, String value, IOException e) {
        return new CgroupException("write " + file + ": " + reason(e) + " (value \"" + value.strip() + "\")", e);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void mkdir(Path dir) throws CgroupException {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw failure("mkdir", dir, e);
        }
    }

    @Override
    public void rmdir(Path dir) throws CgroupException {
        try {
            Files.delete(dir);
        } catch (IOException e) {
            throw failure("rmdir", dir, e);
        }
    }

    @Override
    public void rename(Path from, Path to) throws CgroupException {
        try {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw failure("rename", from, e);
        }
    }

    @Override
    public List<Path> subdirectories(Path dir) throws CgroupException {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    dirs.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw failure("list", dir, e);
        }
        dirs.sort(null);
        return dirs;
    }

    /** {@code "<op> <path>: <reason>"}, with the errno text where Java kept it. */
    public static CgroupException failure(String op, Path path, IOException e) {
        return new CgroupException(op + " " + path + ": " + reason(e), e);
    }

    /** The errno-like cause of an I/O failure. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        String msg = e.getMessage();
        return msg == null ? e.getClass().getSimpleName() : msg;
    }
}
