package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the drivers make on a cgroup filesystem. Implementations are thread-safe. The real one is
 * {@link NioCgroupFs}; tests use a fake over a temporary directory that behaves like cgroupfs (mkdir creates the
 * interface files).
 */
public interface CgroupFs {

    /** The whole content of a file. */
    String read(Path file) throws CgroupException;

    /** One write of {@code value} to an existing file (never creates it). */
    void write(Path file, String value) throws CgroupException;

    boolean exists(Path path);

    /** Creates one directory; fails if it exists. */
    void mkdir(Path dir) throws CgroupException;

    /** Removes one (cgroup) directory; fails if it does not exist or still has children or processes. */
    void rmdir(Path dir) throws CgroupException;

    /** Renames one (cgroup) directory within its parent; fails if {@code to} exists. */
    default void rename(Path from, Path to) throws CgroupException {
        throw new CgroupException("rename " + from + ": not supported by " + getClass().getSimpleName());
    }

    /** The sub-directories of {@code dir}; empty if {@code dir} does not exist. */
    List<Path> subdirectories(Path dir) throws CgroupException;
}
