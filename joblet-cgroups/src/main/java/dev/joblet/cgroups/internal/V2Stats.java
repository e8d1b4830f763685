package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupStats;
import java.nio.file.Path;
import java.util.Map;

/** Reads {@link CgroupStats} from a cgroup v2 directory. Stateless. */
public final class V2Stats {
    private V2Stats() {}

    public static CgroupStats read(CgroupFs fs, Path dir) {
        Map<String, Long> cpu = CgroupTrees.readOptional(fs, dir.resolve("cpu.stat")).map(Keyed::flat).orElse(Map.of());
        long current = CgroupTrees.readNumber(fs, dir.resolve("memory.current"));
        long peak = CgroupTrees.readNumber(fs, dir.resolve("memory.peak"));
        long oom = CgroupTrees.readOptional(fs, dir.resolve("memory.events")).map(s -> Keyed.flat(s, "oom_kill"))
                .orElse(-1L);
        long pidsMaxHits = CgroupTrees.readOptional(fs, dir.resolve("pids.events")).map(s -> Keyed.flat(s, "max"))
                .orElse(-1L);
        String io = CgroupTrees.readOptional(fs, dir.resolve("io.stat")).orElse(null);
        return new CgroupStats(
                cpu.getOrDefault("user_usec", -1L),
                cpu.getOrDefault("system_usec", -1L),
                cpu.getOrDefault("throttled_usec", -1L),
                cpu.getOrDefault("nr_throttled", -1L),
                peak >= 0 ? peak : current,
                current,
                oom,
                CgroupTrees.readNumber(fs, dir.resolve("pids.current")),
                CgroupTrees.readNumber(fs, dir.resolve("pids.peak")),
                pidsMaxHits,
                io == null ? -1 : Keyed.sumNested(io, "rbytes"),
                io == null ? -1 : Keyed.sumNested(io, "wbytes"));
    }
}
