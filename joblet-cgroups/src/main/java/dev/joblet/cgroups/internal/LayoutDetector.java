package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the cgroup hierarchies and this process's place in each from the text of {@code /proc/self/mountinfo}
 * and {@code /proc/self/cgroup}. Stateless; mount points are resolved against a filesystem root so that tests
 * can point at a fake tree.
 */
public final class LayoutDetector {
    private static final Logger LOG = LoggerFactory.getLogger(LayoutDetector.class);
    /** v1 controllers whose hierarchies a job may join. */
    static final Set<String> USED_V1 = Set.of("cpu", "cpuacct", "cpuset", "memory", "blkio", "pids", "freezer");
    /** v1 controllers that make a host count as v1/hybrid (freezer alone does not). */
    private static final Set<String> RESOURCE_V1 = Set.of("cpu", "cpuacct", "cpuset", "memory", "blkio", "pids");

    private LayoutDetector() {}

    /** A parsed mountinfo line of a cgroup filesystem. */
    record Mount(boolean v2, String root, String mountPoint, Set<String> controllers) {}

    public static HostLayout detect(String mountinfo, String procSelfCgroup, Path fsRoot) throws CgroupException {
        List<Mount> mounts = parseMounts(mountinfo);
        Map<Set<String>, String> v1Paths = new HashMap<>();
        @Nullable String v2Path = null;
        for (String line : procSelfCgroup.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                throw new CgroupException("parse /proc/self/cgroup: malformed line \"" + line + "\"");
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                v2Path = f[2];
            } else {
                v1Paths.put(Set.of(f[1].split(",")), f[2]);
            }
        }
        List<Hierarchy> v1 = new ArrayList<>();
        Set<Set<String>> seen = new java.util.HashSet<>();
        @Nullable Hierarchy unified = null;
        for (Mount m : mounts) {
            if (m.v2()) {
                if (unified == null && v2Path != null) {
                    unified = hierarchy(m, v2Path, fsRoot);
                }
                continue;
            }
            // A controller lives in one hierarchy only: the /proc/self/cgroup line sharing one is this mount's.
            Map.Entry<Set<String>, String> own = v1Paths.entrySet().stream()
                    .filter(e -> e.getKey().stream().anyMatch(m.controllers()::contains))
                    .findFirst()
                    .orElse(null);
            if (own == null || own.getKey().stream().noneMatch(USED_V1::contains) || seen.contains(own.getKey())) {
                LOG.debug("v1 mount {} ({}) not used", m.mountPoint(), m.controllers());
                continue;
            }
            Set<String> controllers = own.getKey();
            Hierarchy h = hierarchy(new Mount(false, m.root(), m.mountPoint(), controllers), own.getValue(), fsRoot);
            if (h != null) {
                v1.add(h);
                seen.add(controllers);
            }
        }
        boolean resourceV1 = v1.stream().anyMatch(h -> h.controllers().stream().anyMatch(RESOURCE_V1::contains));
        CgroupLayout layout;
        if (resourceV1) {
            layout = unified != null ? CgroupLayout.HYBRID : CgroupLayout.V1;
        } else if (unified != null) {
            layout = CgroupLayout.V2;
            v1.clear();
        } else {
            throw new CgroupException("no usable cgroup hierarchy: neither /proc/self/mountinfo nor /proc/self/cgroup "
                    + "shows a cgroup2 or v1 controller mount holding this process");
        }
        return new HostLayout(layout, v1, unified);
    }

    private static @Nullable Hierarchy hierarchy(Mount m, String cgroupPath, Path fsRoot) {
        String relative;
        if (m.root().equals("/")) {
            relative = cgroupPath;
        } else if (cgroupPath.equals(m.root()) || cgroupPath.startsWith(m.root() + "/")) {
            relative = cgroupPath.substring(m.root().length());
        } else {
            LOG.debug("own cgroup {} is outside mount root {} at {}; ignored", cgroupPath, m.root(), m.mountPoint());
            return null;
        }
        if (relative.contains("/../") || relative.endsWith("/..") || relative.contains("(deleted)")) {
            return null;
        }
        Path mountPoint = fsRoot.resolve(m.mountPoint().substring(1));
        Path own = relative.isEmpty() || relative.equals("/") ? mountPoint : mountPoint.resolve(relative.substring(1));
        return new Hierarchy(m.v2(), m.v2() ? Set.of() : m.controllers(), mountPoint, own.normalize());
    }

    static List<Mount> parseMounts(String mountinfo) throws CgroupException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            int sep = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    sep = i;
                    break;
                }
            }
            if (sep < 0 || f.length < sep + 3) {
                throw new CgroupException("parse /proc/self/mountinfo: malformed line \"" + line + "\"");
            }
            String fsType = f[sep + 1];
            if (fsType.equals("cgroup2")) {
                mounts.add(new Mount(true, unescape(f[3]), unescape(f[4]), Set.of()));
            } else if (fsType.equals("cgroup")) {
                String superOpts = f.length > sep + 3 ? f[sep + 3] : "";
                // Super options: the controllers (and name=...) among rw, noprefix, release_agent=... and so on.
                Set<String> options = new LinkedHashSet<>(List.of(superOpts.split(",")));
                mounts.add(new Mount(false, unescape(f[3]), unescape(f[4]), options));
            }
        }
        return mounts;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal ({@code \040}). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(ch -> ch >= '0' && ch <= '7')) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
