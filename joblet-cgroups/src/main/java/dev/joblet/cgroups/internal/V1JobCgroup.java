package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupStats;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job cgroup on a v1 or hybrid host: one directory per v1 hierarchy used, plus one in the unified hierarchy
 * on hybrid hosts (for {@code cgroup.kill} and {@code cgroup.events}). Thread-safe (kill and remove are
 * serialized).
 */
public final class V1JobCgroup implements JobCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(V1JobCgroup.class);

    private final String name;
    private final List<Path> v1Dirs;
    private final Map<String, Path> byController;
    private final @Nullable Path unifiedDir;
    private final CgroupFs fs;
    private final ProcessTable processes;

    /**
     * @param hierarchies the v1 hierarchies the job uses
     * @param unified the unified hierarchy on hybrid hosts, else null
     * @param relative the job's path below this process's own cgroup in each hierarchy
     */
    public V1JobCgroup(String name, List<Hierarchy> hierarchies, @Nullable Hierarchy unified, String relative,
            CgroupFs fs, ProcessTable processes) {
        this.name = name;
        this.fs = fs;
        this.processes = processes;
        List<Path> dirs = new ArrayList<>();
        Map<String, Path> map = new LinkedHashMap<>();
        for (Hierarchy h : hierarchies) {
            Path dir = h.ownDir().resolve(relative);
            dirs.add(dir);
            for (String c : h.controllers()) {
                map.putIfAbsent(c, dir);
            }
        }
        this.v1Dirs = List.copyOf(dirs);
        this.byController = Map.copyOf(map);
        this.unifiedDir = unified == null ? null : unified.ownDir().resolve(relative);
    }

    private V1JobCgroup(String name, List<Path> v1Dirs, Map<String, Path> byController, @Nullable Path unifiedDir,
            CgroupFs fs, ProcessTable processes) {
        this.name = name;
        this.v1Dirs = v1Dirs;
        this.byController = byController;
        this.unifiedDir = unifiedDir;
        this.fs = fs;
        this.processes = processes;
    }

    @Override
    public synchronized JobCgroup renamed(String newName) throws CgroupException {
        CgroupTrees.requireName(newName);
        List<Path> done = new ArrayList<>();
        try {
            // v1 directories only: cgroup2 refuses to rename (EPERM), so the unified one keeps its first name.
            for (Path dir : v1Dirs) {
                fs.rename(dir, dir.resolveSibling(newName));
                done.add(dir);
            }
        } catch (CgroupException e) {
            for (Path dir : done) {
                try {
                    fs.rename(dir.resolveSibling(newName), dir);
                } catch (CgroupException back) {
                    e.addSuppressed(back);
                }
            }
            throw e;
        }
        List<Path> dirs = new ArrayList<>();
        for (Path d : v1Dirs) {
            dirs.add(d.resolveSibling(newName));
        }
        Map<String, Path> map = new LinkedHashMap<>();
        byController.forEach((c, d) -> map.put(c, d.resolveSibling(newName)));
        LOG.debug("job cgroup {} renamed {}", name, newName);
        return new V1JobCgroup(newName, List.copyOf(dirs), Map.copyOf(map), unifiedDir, fs, processes);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Path> procsFiles() {
        List<Path> files = new ArrayList<>();
        for (Path dir : v1Dirs) {
            files.add(dir.resolve("cgroup.procs"));
        }
        if (unifiedDir != null) {
            files.add(unifiedDir.resolve("cgroup.procs"));
        }
        return List.copyOf(files);
    }

    @Override
    public List<Path> joinFiles() {
        List<Path> files = new ArrayList<>();
        for (Path dir : v1Dirs) {
            files.add(dir.resolve("tasks"));
        }
        if (unifiedDir != null) {
            files.add(unifiedDir.resolve("cgroup.procs"));
        }
        return List.copyOf(files);
    }

    @Override
    public Optional<Path> cloneIntoDirectory() {
        return Optional.ofNullable(unifiedDir);
    }

    /** Every directory of the job, v1 first, then the unified one. */
    public List<Path> directories() {
        List<Path> all = new ArrayList<>(v1Dirs);
        if (unifiedDir != null) {
            all.add(unifiedDir);
        }
        return all;
    }

    /** The job's directory for a v1 controller name such as {@code "memory"}. */
    public Map<String, Path> directoriesByController() {
        return byController;
    }

    @Override
    public Optional<Path> v2Directory() {
        return Optional.empty();
    }

    @Override
    public CgroupStats stats() throws CgroupException {
        // No existence checks first: each file is read once, and a removed cgroup shows as nothing read at all.
        CgroupStats stats = V1Stats.read(fs, byController, unifiedDir);
        if (stats.equals(CgroupStats.unknown()) && directories().stream().noneMatch(fs::exists)) {
            throw new CgroupException("stats " + directories().get(0) + ": No such file or directory");
        }
        return stats;
    }

    @Override
    public void applyLimits(dev.joblet.cgroups.CgroupLimits limits) throws CgroupException {
        for (dev.joblet.cgroups.Controller c : limits.requiredControllers()) {
            if (!byController.containsKey(c.v1Name())) {
                throw new CgroupException("controller " + c.v1Name() + " is not among the hierarchies of " + name, null, c);
            }
        }
        V1Limits.apply(fs, byController, limits);
    }

    @Override
    public boolean isPopulated() {
        if (unifiedDir != null && fs.exists(unifiedDir) && V2JobCgroup.populated(fs, unifiedDir)) {
            return true;
        }
        for (Path dir : v1Dirs) {
            if (anyProcs(fs, dir)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void kill() throws CgroupException {
        long deadline = System.nanoTime() + V2JobCgroup.KILL_WAIT_MILLIS * 1_000_000;
        if (unifiedDir != null && fs.exists(unifiedDir.resolve("cgroup.kill"))) {
            fs.write(unifiedDir.resolve("cgroup.kill"), "1");
            if (CgroupTrees.await(() -> !isPopulated(), 200)) {
                LOG.debug("killed job cgroup {} (cgroup.kill)", name);
                return;
            }
        }
        // A process may have joined some hierarchies only: freeze, kill what is listed, thaw, until empty.
        Path freezer = byController.get("freezer");
        @Nullable Path state = freezer == null ? null : freezer.resolve("freezer.state");
        while (isPopulated()) {
            if (System.nanoTime() > deadline) {
                throw new CgroupException("kill " + directories().get(0) + ": processes still present after "
                        + V2JobCgroup.KILL_WAIT_MILLIS + " ms");
            }
            if (state != null && fs.exists(state)) {
                Path frozen = state;
                fs.write(frozen, "FROZEN");
                CgroupTrees.await(() -> CgroupTrees.readOptional(fs, frozen).orElse("").strip().equals("FROZEN"), 200);
                killAll(fs, processes, v1Dirs);
                fs.write(frozen, "THAWED");
            } else {
                killAll(fs, processes, v1Dirs);
            }
            CgroupTrees.await(() -> !isPopulated(), 100);
        }
        LOG.debug("killed job cgroup {}", name);
    }

    @Override
    public synchronized void remove() throws CgroupException {
        if (removeEmpty()) {
            LOG.debug("removed job cgroup {}", name);
            return;
        }
        if (isPopulated()) {
            kill();
        }
        CgroupException failure = null;
        for (Path dir : directories()) {
            try {
                CgroupTrees.removeTree(fs, dir);
            } catch (CgroupException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        LOG.debug("removed job cgroup {}", name);
    }

    /**
     * The fast path of {@link #remove()}: one rmdir per directory, which the kernel refuses (EBUSY) while the
     * cgroup has a task or a child cgroup. Returns whether every directory is gone; false at the first that is
     * still there, leaving it and the ones after it to the careful path (kill, children, retry). A directory
     * removed here had no task, so the careful path loses nothing it needs (the unified one, with
     * {@code cgroup.kill}, comes last).
     */
    private boolean removeEmpty() {
        for (Path dir : directories()) {
            try {
                fs.rmdir(dir);
            } catch (CgroupException e) {
                if (fs.exists(dir)) {
                    LOG.debug("removing {} the careful way: {}", name, e.getMessage());
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether {@code dir} or a cgroup below it lists a process. */
    static boolean anyProcs(CgroupFs fs, Path dir) {
        if (!fs.exists(dir)) {
            return false;
        }
        if (CgroupTrees.readOptional(fs, dir.resolve("cgroup.procs")).map(s -> !s.isBlank()).orElse(false)) {
            return true;
        }
        try {
            for (Path child : fs.subdirectories(dir)) {
                if (anyProcs(fs, child)) {
                    return true;
                }
            }
        } catch (CgroupException e) {
            LOG.debug("{}", e.getMessage());
        }
        return false;
    }

    /** Sends SIGKILL to every process listed in the trees of {@code dirs} (never to this JVM). */
    static void killAll(CgroupFs fs, ProcessTable processes, List<Path> dirs) throws CgroupException {
        for (Path dir : dirs) {
            if (!fs.exists(dir)) {
                continue;
            }
            for (long pid : Keyed.pids(CgroupTrees.readOptional(fs, dir.resolve("cgroup.procs")).orElse(""))) {
                if (pid != processes.selfPid()) {
                    processes.kill(pid);
                }
            }
            killAll(fs, processes, fs.subdirectories(dir));
        }
    }

    @Override
    public String toString() {
        return "V1JobCgroup[" + directories() + "]";
    }
}
