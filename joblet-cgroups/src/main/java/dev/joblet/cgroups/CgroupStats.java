package dev.joblet.cgroups;

/**
 * Usage counters of one job cgroup, read at one moment. Immutable. Every value is {@code -1} where the host
 * does not report it (a controller that is absent, a file an older kernel lacks).
 *
 * @param cpuUserMicros CPU time in user mode
 * @param cpuSystemMicros CPU time in kernel mode
 * @param throttledMicros time the cgroup was held back by its CPU quota
 * @param nrThrottled number of periods in which the quota ran out
 * @param memoryPeakBytes highest memory usage seen (v2 {@code memory.peak}, else current usage)
 * @param memoryCurrentBytes memory usage now
 * @param oomKills processes the kernel's OOM killer killed in this cgroup
 * @param pidsCurrent tasks now
 * @param pidsPeak highest number of tasks seen
 * @param pidsMaxHits times a fork or clone failed because of {@code pids.max}
 * @param ioReadBytes bytes read from block devices
 * @param ioWriteBytes bytes written to block devices
 */
public record CgroupStats(
        long cpuUserMicros,
        long cpuSystemMicros,
        long throttledMicros,
        long nrThrottled,
        long memoryPeakBytes,
        long memoryCurrentBytes,
        long oomKills,
        long pidsCurrent,
        long pidsPeak,
        long pidsMaxHits,
        long ioReadBytes,
        long ioWriteBytes) {

    /** All values unknown. */
    public static CgroupStats unknown() {
        return new CgroupStats(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    }
}
