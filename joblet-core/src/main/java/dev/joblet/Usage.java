package dev.joblet;

/**
 * Resources a job used, read from its cgroup when it ended. A value of -1 means the host does not report
 * it. Immutable.
 *
 * @param cpuUserMicros CPU time in user mode
 * @param cpuSystemMicros CPU time in kernel mode
 * @param cpuThrottledMicros time the CPU limit held the job back
 * @param memoryPeakBytes the highest memory use seen
 * @param pidsPeak the most processes at once (-1 where the kernel does not track it)
 * @param pidsLimitHit true when a fork failed because of the pids limit (even if the job survived)
 * @param oomKills how many processes the kernel killed for the memory limit
 * @param ioReadBytes bytes read from block devices
 * @param ioWriteBytes bytes written to block devices
 */
public record Usage(long cpuUserMicros, long cpuSystemMicros, long cpuThrottledMicros, long memoryPeakBytes,
        long pidsPeak, boolean pidsLimitHit, long oomKills, long ioReadBytes, long ioWriteBytes) {
    /** For a job that had no cgroup. */
    public static final Usage NONE = new Usage(-1, -1, -1, -1, -1, false, 0, -1, -1);

    /** What {@code s} says; {@code supervisors}: processes of ours that were in the cgroup too (left out of the peak). */
    static Usage of(dev.joblet.cgroups.CgroupStats s, int supervisors) {
        long pids = s.pidsPeak() > supervisors ? s.pidsPeak() - supervisors : s.pidsPeak();
        return new Usage(s.cpuUserMicros(), s.cpuSystemMicros(), s.throttledMicros(), s.memoryPeakBytes(), pids,
                s.pidsMaxHits() > 0, Math.max(0, s.oomKills()), s.ioReadBytes(), s.ioWriteBytes());
    }
}
