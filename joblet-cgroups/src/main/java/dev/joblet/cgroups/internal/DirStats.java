package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupStats;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@link CgroupStats} from a job's cgroup directories known only by path (a detached job's, recorded in its
 * state directory): v2 when one has {@code cgroup.controllers}, else v1 with each directory's controllers told by
 * the files it has. Stateless.
 */
public final class DirStats {
    private static final List<String> V1 = List.of("cpuacct", "cpu", "memory", "pids", "blkio");

    private DirStats() {}

    public static CgroupStats read(CgroupFs fs, List<Path> dirs) {
        @Nullable Path unified = null;
        Map<String, Path> v1 = new HashMap<>();
        for (Path d : dirs) {
            if (fs.exists(d.resolve("cgroup.controllers"))) {
                unified = d;
                continue;
            }
            for (String c : V1) {
                if (!v1.containsKey(c) && fs.exists(d.resolve(marker(c)))) {
                    v1.put(c, d);
                }
            }
        }
        if (v1.isEmpty()) {
            return unified == null ? CgroupStats.unknown() : V2Stats.read(fs, unified);
        }
        return V1Stats.read(fs, v1, unified);
    }

    private static String marker(String controller) {
        return switch (controller) {
            case "cpuacct" -> "cpuacct.usage";
            case "cpu" -> "cpu.shares";
            case "memory" -> "memory.usage_in_bytes";
            case "pids" -> "pids.current";
            default -> "blkio.throttle.io_service_bytes";
        };
    }
}
