package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupStats;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A job cgroup in a cgroup v2 hierarchy: one directory. Thread-safe (kill and remove are serialized). */
public final class V2JobCgroup implements JobCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(V2JobCgroup.class);
    static final long KILL_WAIT_MILLIS = 2_000;

    private final String name;
    private final Path dir;
    private final CgroupFs fs;
    private final ProcessTable processes;

    public V2JobCgroup(String name, Path dir, CgroupFs fs, ProcessTable processes) {
        this.name = name;
        this.dir = dir;
        this.fs = fs;
        this.processes = processes;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Path> procsFiles() {
        return List.of(dir.resolve("cgroup.procs"));
    }

    @Override
    public Optional<Path> v2Directory() {
        return Optional.of(dir);
    }

    @Override
    public CgroupStats stats() throws CgroupException {
        // No existence check first: each file is read once, and a removed cgroup shows as nothing read at all.
        CgroupStats stats = V2Stats.read(fs, dir);
        if (stats.equals(CgroupStats.unknown()) && !fs.exists(dir)) {
            throw new CgroupException("stats " + dir + ": No such file or directory");
        }
        return stats;
    }

    @Override
    public boolean isPopulated() {
        return populated(fs, dir);
    }

    /** {@code populated 1} in {@code dir/cgroup.events}; falls back to {@code cgroup.procs} of the tree. */
    static boolean populated(CgroupFs fs, Path dir) {
        Optional<String> events = CgroupTrees.readOptional(fs, dir.resolve("cgroup.events"));
        if (events.isPresent()) {
            return Keyed.flat(events.get(), "populated") > 0;
        }
        return V1JobCgroup.anyProcs(fs, dir);
    }

    @Override
    public synchronized void kill() throws CgroupException {
        if (!fs.exists(dir)) {
            return;
        }
        Path killFile = dir.resolve("cgroup.kill");
        if (fs.exists(killFile)) {
            fs.write(killFile, "1");
        } else {
            // Before Linux 5.14: freeze, kill each process, thaw.
            Path freeze = dir.resolve("cgroup.freeze");
            boolean canFreeze = fs.exists(freeze);
            if (canFreeze) {
                fs.write(freeze, "1");
            }
            V1JobCgroup.killAll(fs, processes, List.of(dir));
            if (canFreeze) {
                fs.write(freeze, "0");
            }
        }
        if (!CgroupTrees.await(() -> !isPopulated(), KILL_WAIT_MILLIS)) {
            throw new CgroupException("kill " + dir + ": processes still present after " + KILL_WAIT_MILLIS
                    + " ms (" + CgroupTrees.readOptional(fs, dir.resolve("cgroup.procs")).orElse("").strip() + ")");
        }
        LOG.debug("killed job cgroup {}", dir);
    }

    @Override
    public synchronized void remove() throws CgroupException {
        // Fast path: the kernel refuses (EBUSY) to remove a cgroup with a process or a child cgroup.
        try {
            fs.rmdir(dir);
            LOG.debug("removed job cgroup {}", dir);
            return;
        } catch (CgroupException e) {
            if (!fs.exists(dir)) {
                return;
            }
            LOG.debug("removing {} the careful way: {}", dir, e.getMessage());
        }
        if (isPopulated()) {
            kill();
        }
        CgroupTrees.removeTree(fs, dir);
        LOG.debug("removed job cgroup {}", dir);
    }

    @Override
    public String toString() {
        return "V2JobCgroup[" + dir + "]";
    }
}
