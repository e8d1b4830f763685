package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NioCgroupFs} that keeps the directories it is told to {@link #hold} open (a driver's owner directories)
 * and reaches a job's files and directories below them relative to them ({@code openat}, {@code unlinkat} through
 * {@link SecureDirectoryStream}): the kernel walks {@code <job>/<file>} instead of the whole path from
 * {@code /sys/fs/cgroup}, and rmdir needs no stat first. Anything else, and anything a held directory cannot
 * reach (it was removed, or released meanwhile), goes by full path as in {@link NioCgroupFs}. One per driver;
 * thread-safe.
 */
public final class HeldDirCgroupFs implements CgroupFs {
    private static final Logger LOG = LoggerFactory.getLogger(HeldDirCgroupFs.class);
    private static final Set<StandardOpenOption> READ = EnumSet.of(StandardOpenOption.READ);
    private static final Set<StandardOpenOption> WRITE =
            EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);

    private final NioCgroupFs nio = NioCgroupFs.INSTANCE;
    private final Map<Path, SecureDirectoryStream<Path>> held = new ConcurrentHashMap<>();

    @Override
    // The stream is kept open on purpose: it is this object's to close, in release() or close().
    @SuppressWarnings("StreamResourceLeak")
    public void hold(Path dir) {
        held.computeIfAbsent(dir, d -> {
            try {
                DirectoryStream<Path> stream = Files.newDirectoryStream(d);
                if (stream instanceof SecureDirectoryStream) {
                    return (SecureDirectoryStream<Path>) stream;
                }
                stream.close();
            } catch (IOException e) {
                LOG.debug("not held, full paths below {}: {}", d, e.getMessage());
            }
            return null;
        });
    }

    @Override
    public void release(Path dir) {
        SecureDirectoryStream<Path> stream = held.remove(dir);
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                LOG.debug("close {}: {}", dir, e.getMessage());
            }
        }
    }

    /** The held directory {@code levels} above {@code path}, if any. */
    private @Nullable SecureDirectoryStream<Path> heldAbove(Path path, int levels) {
        if (held.isEmpty()) {
            return null;
        }
        Path dir = path;
        for (int i = 0; i < levels && dir != null; i++) {
            dir = dir.getParent();
        }
        return dir == null ? null : held.get(dir);
    }

    private static Path below(Path path, int levels) {
        return path.subpath(path.getNameCount() - levels, path.getNameCount());
    }

    @Override
    public String read(Path file) throws CgroupException {
        String s = readHeld(file);
        return s != null ? s : nio.read(file);
    }

    @Override
    public @Nullable String readIfExists(Path file) throws CgroupException {
        String s = readHeld(file);
        return s != null ? s : nio.readIfExists(file);
    }

    /** {@code <held>/<job>/<file>} read relative to the held directory; null to go by full path. */
    private @Nullable String readHeld(Path file) throws CgroupException {
        SecureDirectoryStream<Path> dir = heldAbove(file, 2);
        if (dir == null) {
            return null;
        }
        try (SeekableByteChannel ch = dir.newByteChannel(below(file, 2), READ)) {
            return NioCgroupFs.readAll(ch);
        } catch (NoSuchFileException | ClosedDirectoryStreamException e) {
            return null;
        } catch (IOException e) {
            throw NioCgroupFs.failure("read", file, e);
        }
    }

    @Override
    public void write(Path file, String value) throws CgroupException {
        SecureDirectoryStream<Path> dir = heldAbove(file, 2);
        if (dir != null) {
            try (SeekableByteChannel ch = dir.newByteChannel(below(file, 2), WRITE)) {
                NioCgroupFs.writeAll(ch, value);
                return;
            } catch (NoSuchFileException | ClosedDirectoryStreamException e) {
                // by full path below
            } catch (IOException e) {
                throw NioCgroupFs.writeFailure(file, value, e);
            }
        }
        nio.write(file, value);
    }

    @Override
    public boolean exists(Path path) {
        return nio.exists(path);
    }

    @Override
    public void mkdir(Path dir) throws CgroupException {
        nio.mkdir(dir);
    }

    @Override
    public void rmdir(Path dir) throws CgroupException {
        SecureDirectoryStream<Path> parent = heldAbove(dir, 1);
        if (parent != null) {
            try {
                parent.deleteDirectory(below(dir, 1));
                return;
            } catch (NoSuchFileException | ClosedDirectoryStreamException e) {
                // by full path below
            } catch (IOException e) {
                throw NioCgroupFs.failure("rmdir", dir, e);
            }
        }
        nio.rmdir(dir);
    }

    @Override
    public void rename(Path from, Path to) throws CgroupException {
        nio.rename(from, to);
    }

    @Override
    public List<Path> subdirectories(Path dir) throws CgroupException {
        return nio.subdirectories(dir);
    }
}
