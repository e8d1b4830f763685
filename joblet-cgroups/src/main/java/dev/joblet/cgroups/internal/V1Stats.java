package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupStats;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reads {@link CgroupStats} from the cgroup v1 (and, on hybrid, unified) directories of one job. Stateless. */
public final class V1Stats {
    /** USER_HZ, the unit of {@code cpuacct.stat}: 100 on every Linux architecture joblet runs on. */
    static final long USER_HZ = 100;

    private V1Stats() {}

    /**
     * Reads the job's usage from its v1 controller directories.
     *
     * @param dirs the job's directory per v1 controller name
     * @param unified the hybrid unified one, if any
     */
    public static CgroupStats read(CgroupFs fs, Map<String, Path> dirs, @Nullable Path unified) {
        long user = -1;
        long system = -1;
        Path cpuacct = dirs.get("cpuacct");
        if (cpuacct != null) {
            long userNs = CgroupTrees.readNumber(fs, cpuacct.resolve("cpuacct.usage_user"));
            long sysNs = CgroupTrees.readNumber(fs, cpuacct.resolve("cpuacct.usage_sys"));
            if (userNs >= 0 && sysNs >= 0) {
                user = userNs / 1000;
                system = sysNs / 1000;
            } else {
                Map<String, Long> ticks = CgroupTrees.readOptional(fs, cpuacct.resolve("cpuacct.stat"))
                        .map(Keyed::flat).orElse(Map.of());
                user = ticksToMicros(ticks.getOrDefault("user", -1L));
                system = ticksToMicros(ticks.getOrDefault("system", -1L));
            }
        }
        if ((user < 0 || system < 0) && unified != null) {
            Map<String, Long> cpu = CgroupTrees.readOptional(fs, unified.resolve("cpu.stat")).map(Keyed::flat)
                    .orElse(Map.of());
            user = cpu.getOrDefault("user_usec", -1L);
            system = cpu.getOrDefault("system_usec", -1L);
        }
        long throttledMicros = -1;
        long nrThrottled = -1;
        Path cpu = dirs.get("cpu");
        if (cpu != null) {
            Map<String, Long> stat = CgroupTrees.readOptional(fs, cpu.resolve("cpu.stat")).map(Keyed::flat)
                    .orElse(Map.of());
            nrThrottled = stat.getOrDefault("nr_throttled", -1L);
            long usec = stat.getOrDefault("throttled_usec", -1L);
            long ns = stat.getOrDefault("throttled_time", -1L);
            throttledMicros = usec >= 0 ? usec : ns >= 0 ? ns / 1000 : -1;
        }
        long peak = -1;
        long current = -1;
        long oomKills = -1;
        Path memory = dirs.get("memory");
        if (memory != null) {
            current = CgroupTrees.readNumber(fs, memory.resolve("memory.usage_in_bytes"));
            peak = CgroupTrees.readNumber(fs, memory.resolve("memory.max_usage_in_bytes"));
            if (peak < 0) {
                peak = current;
            }
            // oom_kill appeared in memory.oom_control with Linux 4.13; memory.failcnt counts limit hits, not kills.
            oomKills = CgroupTrees.readOptional(fs, memory.resolve("memory.oom_control"))
                    .map(s -> Keyed.flat(s, "oom_kill")).orElse(-1L);
        }
        long pidsCurrent = -1;
        long pidsPeak = -1;
        long pidsMaxHits = -1;
        Path pids = dirs.get("pids");
        if (pids != null) {
            pidsCurrent = CgroupTrees.readNumber(fs, pids.resolve("pids.current"));
            pidsPeak = CgroupTrees.readNumber(fs, pids.resolve("pids.peak"));
            pidsMaxHits = CgroupTrees.readOptional(fs, pids.resolve("pids.events")).map(s -> Keyed.flat(s, "max"))
                    .orElse(-1L);
        }
        long read = -1;
        long write = -1;
        Path blkio = dirs.get("blkio");
        if (blkio != null) {
            String io = CgroupTrees.readOptional(fs, blkio.resolve("blkio.throttle.io_service_bytes")).orElse(null);
            if (io != null) {
                read = Keyed.sumBlkio(io, "Read");
                write = Keyed.sumBlkio(io, "Write");
            }
        }
        return new CgroupStats(user, system, throttledMicros, nrThrottled, peak, current, oomKills,
                pidsCurrent, pidsPeak, pidsMaxHits, read, write);
    }

    private static long ticksToMicros(long ticks) {
        return ticks < 0 ? -1 : ticks * (1_000_000 / USER_HZ);
    }
}
