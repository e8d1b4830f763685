package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The file operations the drivers make on a cgroup filesystem. Implementations are thread-safe. The real one is
 * {@link NioCgroupFs}; tests use a fake over a temporary directory that behaves like cgroupfs (mkdir creates the
 * interface files).
 */
public interface CgroupFs {

    /** The whole content of a file. */
    String read(Path file) throws CgroupException;

    /**
     * The whole content of a file, or null if it does not exist (one attempt, no separate existence check: a
     * missing file is the failure of the read itself).
     */
    default @Nullable String readIfExists(Path file) throws CgroupException {
        try {
            return read(file);
        } catch (CgroupException e) {
            if (!exists(file)) {
                return null;
            }
            throw e;
        }
    }

    /** One write of {@code value} to an existing file (never creates it). */
    void write(Path file, String value) throws CgroupException;

    /**
     * {@link #write} if the file exists; returns false, writing nothing, if it does not (the existence check only
     * after a failed write, so a file that is there costs one open).
     */
    default boolean writeIfExists(Path file, String value) throws CgroupException {
        try {
            write(file, value);
            return true;
        } catch (CgroupException e) {
            if (!exists(file)) {
                return false;
            }
            throw e;
        }
    }

    boolean exists(Path path);

    /** Creates one directory; fails if it exists. */
    void mkdir(Path dir) throws CgroupException;

    /** Removes one (cgroup) directory; fails if it does not exist or still has children or processes. */
    void rmdir(Path dir) throws CgroupException;

    /** Renames one (cgroup) directory within its parent; fails if {@code to} exists. */
    default void rename(Path from, Path to) throws CgroupException {
        throw new CgroupException("rename " + from + ": not supported by " + getClass().getSimpleName());
    }

    /**
     * A hint that many operations will follow below {@code dir} (a driver's owner directory): an implementation
     * may keep it open and resolve paths below it relative to it. The default does nothing.
     */
    default void hold(Path dir) {}

    /** Ends {@link #hold}; operations below {@code dir} still work, by full path. The default does nothing. */
    default void release(Path dir) {}

    /** The sub-directories of {@code dir}; empty if {@code dir} does not exist. */
    List<Path> subdirectories(Path dir) throws CgroupException;
}
