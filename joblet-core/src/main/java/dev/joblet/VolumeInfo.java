package dev.joblet;

import java.nio.file.Path;
import java.util.List;

/**
 * A managed volume as {@link Volumes#list()} saw it. Immutable.
 *
 * @param name its name
 * @param type how its size is enforced
 * @param size the most it holds
 * @param usedBytes bytes in use on it (for a filesystem volume, its metadata too); -1 when it is not mounted now
 *     (after a reboot, until its next use)
 * @param jobs the jobs that have it mounted now (their ids, or {@code pid N} for a process that is no job), sorted
 * @param path its host directory (the mount point)
 */
public record VolumeInfo(String name, VolumeType type, MemorySize size, long usedBytes, List<String> jobs, Path path) {
    public VolumeInfo {
        jobs = List.copyOf(jobs);
    }
}
