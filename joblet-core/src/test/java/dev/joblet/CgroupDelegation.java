package dev.joblet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What an administrator does to give a user a cgroup of its own, done by a root test JVM for an unprivileged
 * one: a directory {@code <own cgroup>/<name>} in every hierarchy joblet uses (on hybrid hosts the v1 cpu,
 * cpuacct, memory, pids and blkio ones plus the unified one; on pure v2 the unified one, with the controllers
 * enabled in its parent), owned by the user with its {@code cgroup.procs}, {@code tasks},
 * {@code cgroup.threads} and {@code cgroup.subtree_control}. {@link #close()} removes the whole subtree
 * (deepest first), which must be empty of processes by then. Not thread-safe.
 */
final class CgroupDelegation implements AutoCloseable {
    private static final Set<String> USED = Set.of("cpu", "cpuacct", "memory", "pids", "blkio");
    private static final List<String> OWNED = List.of("cgroup.procs", "tasks", "cgroup.threads", "cgroup.subtree_control");

    private final List<Path> dirs = new ArrayList<>();

    CgroupDelegation(String name, int uid, int gid) throws IOException {
        List<String[]> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            String[] left = halves[0].split(" ");
            String[] right = halves[1].split(" ");
            if (right[0].equals("cgroup") || right[0].equals("cgroup2")) {
                mounts.add(new String[] {right[0], left[4], right.length > 2 ? right[2] : ""});
            }
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                List<String> controllers = f[1].isEmpty() ? List.of() : Arrays.asList(f[1].split(","));
                String mountPoint = null;
                for (String[] m : mounts) {
                    boolean v2 = controllers.isEmpty() && m[0].equals("cgroup2");
                    boolean v1 = !controllers.isEmpty() && m[0].equals("cgroup")
                            && Arrays.asList(m[2].split(",")).containsAll(controllers);
                    if (v2 || v1) {
                        mountPoint = m[1];
                    }
                }
                if (mountPoint == null || !(controllers.isEmpty() || controllers.stream().anyMatch(USED::contains))) {
                    continue;
                }
                Path own = Path.of(mountPoint, f[2].substring(1));
                Path dir = own.resolve(name);
                if (controllers.isEmpty() && Files.exists(own.resolve("cgroup.subtree_control"))
                        && !mountPoint.equals("/sys/fs/cgroup/unified")) {
                    // Pure v2: the controllers the jobs need, enabled for the delegated child (fails in a
                    // cgroup that holds processes; the VM suite runs from the root cgroup).
                    String offered = Files.readString(own.resolve("cgroup.controllers")).strip();
                    StringBuilder enable = new StringBuilder();
                    for (String c : offered.split(" ")) {
                        if (Set.of("cpu", "memory", "pids", "io").contains(c)) {
                            enable.append('+').append(c).append(' ');
                        }
                    }
                    Files.writeString(own.resolve("cgroup.subtree_control"), enable.toString().strip());
                }
                Files.createDirectory(dir);
                dirs.add(dir);
                Files.setAttribute(dir, "unix:uid", uid);
                Files.setAttribute(dir, "unix:gid", gid);
                for (String file : OWNED) {
                    Path p = dir.resolve(file);
                    if (Files.exists(p)) {
                        Files.setAttribute(p, "unix:uid", uid);
                        Files.setAttribute(p, "unix:gid", gid);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The {@code cgroup.procs} files a process writes its pid to, as root, to enter the delegated cgroups. */
    List<Path> procsFiles() {
        return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
    }

    List<Path> directories() {
        return List.copyOf(dirs);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Path dir : dirs) {
            if (!Files.exists(dir)) {
                continue;
            }
            List<Path> tree;
            try (Stream<Path> s = Files.walk(dir)) {
                tree = s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            }
            for (Path p : tree) {
                try {
                    Files.delete(p); // rmdir of a cgroup: its control files go with it
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
