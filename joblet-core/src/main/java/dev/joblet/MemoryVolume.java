package dev.joblet;


/**
 * A size-limited, empty tmpfs mounted into a job at {@code target}, writable by the job's user; it goes with
 * the job. Its pages count against the job's memory limit; at least {@link JobSpec#MIN_TMPFS_SIZE}. Immutable.
 *
 * @param target an absolute path inside the job
 * @param size the most it may hold
 */
public record MemoryVolume(String target, MemorySize size) {
    public MemoryVolume {
        dev.joblet.internal.Args.nonNull(target, "memory volume target");
        dev.joblet.internal.Args.nonNull(size, "memory volume size");
        if (!target.startsWith("/") || target.equals("/") || target.contains("/../") || target.endsWith("/..")
                || target.indexOf('\0') >= 0 || target.indexOf(',') >= 0) {
            throw new IllegalArgumentException("memory volume target (" + target + ") must be an absolute path below /");
        }
        for (String reserved : new String[] {"/proc", "/dev"}) {
            if (target.equals(reserved) || target.startsWith(reserved + "/")) {
                throw new IllegalArgumentException("memory volume target (" + target + ") must not be under " + reserved);
            }
        }
        dev.joblet.internal.Args.atLeast("memory volume size", size, JobSpec.MIN_TMPFS_SIZE); // a tmpfs, as /tmp is
    }
}
