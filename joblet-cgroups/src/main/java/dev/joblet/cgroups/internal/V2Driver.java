package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.Controller;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup v2 driver. Jobs go in {@code <jobletDir>/jvm-<owner>/<name>}, where {@code jobletDir} is
 * {@code <own>/joblet} (detected) or the delegated root itself. The first {@link #create} prepares the path:
 * see {@link CgroupDriver} for the "no internal processes" handling. Thread-safe.
 */
public final class V2Driver implements CgroupDriver {
    private static final Logger LOG = LoggerFactory.getLogger(V2Driver.class);
    /** The leaf this driver moves the processes of {@code base} into when it must enable controllers there. */
    public static final String JVM_LEAF = "joblet-jvm";

    private final CgroupFs fs;
    private final ProcessTable processes;
    private final Path base;
    private final boolean baseIsRoot;
    private final Path jobletDir;
    private final Path ownerDir;
    private final Set<Controller> offered;

    // Guarded by this.
    private boolean prepared;
    private Set<Controller> enabled = EnumSet.noneOf(Controller.class);

    /**
     * @param base the cgroup whose subtree this driver manages (this process's own, or a delegated root)
     * @param baseIsRoot whether {@code base} is the root of the hierarchy (exempt from the internal-process rule)
     * @param jobletDir where owner directories go ({@code base/joblet}, or {@code base})
     */
    public V2Driver(CgroupFs fs, ProcessTable processes, Path base, boolean baseIsRoot, Path jobletDir)
            throws CgroupException {
        this(fs, processes, base, baseIsRoot, jobletDir, OwnerTag.self(processes).dirName());
    }

    /** {@code ownerName}: the name of this driver's owner directory (see {@link OwnerTag#driverDirName()}). */
    public V2Driver(CgroupFs fs, ProcessTable processes, Path base, boolean baseIsRoot, Path jobletDir, String ownerName)
            throws CgroupException {
        this.fs = fs;
        this.processes = processes;
        this.base = base;
        this.baseIsRoot = baseIsRoot;
        this.jobletDir = jobletDir;
        this.ownerDir = jobletDir.resolve(ownerName);
        Path controllers = base.resolve("cgroup.controllers");
        if (!fs.exists(controllers)) {
            throw new CgroupException("read " + controllers + ": No such file or directory (not a cgroup v2 directory)");
        }
        this.offered = parseControllers(fs.read(controllers));
    }

    static Set<Controller> parseControllers(String content) {
        Set<Controller> set = EnumSet.noneOf(Controller.class);
        List<String> names = List.of(content.strip().split("\\s+"));
        for (Controller c : Controller.values()) {
            if (names.contains(c.v2Name())) {
                set.add(c);
            }
        }
        return set;
    }

    @Override
    public CgroupLayout layout() {
        return CgroupLayout.V2;
    }

    @Override
    public Set<Controller> availableControllers() {
        return Set.copyOf(offered);
    }

    @Override
    public synchronized String describe() {
        return "cgroup v2; own cgroup " + base + (baseIsRoot ? " (hierarchy root)" : "")
                + "; jobs under " + ownerDir + "; controllers offered: " + names(offered)
                + (prepared ? "; enabled for jobs: " + names(enabled) : "");
    }

    private static String names(Set<Controller> set) {
        return set.isEmpty() ? "none" : set.stream().map(Controller::v2Name).collect(Collectors.joining(" "));
    }

    @Override
    public JobCgroup create(String name, CgroupLimits limits) throws CgroupException {
        CgroupTrees.requireName(name);
        requireControllers(limits, offered, base.resolve("cgroup.controllers") + " offers: " + names(offered));
        synchronized (this) {
            prepare();
            requireControllers(limits, enabled,
                    ownerDir.resolve("cgroup.subtree_control") + " enables: " + names(enabled));
        }
        Path dir = ownerDir.resolve(name);
        fs.mkdir(dir);
        try {
            V2Limits.apply(fs, dir, limits);
        } catch (CgroupException | RuntimeException e) {
            // An interrupt (a ClosedByInterruptException of a write) must not also stop the removal: the flag is
            // cleared for it and set again after.
            boolean interrupted = Thread.interrupted();
            try {
                CgroupTrees.removeTree(fs, dir);
            } catch (CgroupException cleanup) {
                e.addSuppressed(cleanup);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        }
        LOG.debug("created job cgroup {} with {}", dir, limits);
        return new V2JobCgroup(name, dir, fs, processes);
    }

    private static void requireControllers(CgroupLimits limits, Set<Controller> have, String where)
            throws CgroupException {
        for (Controller c : limits.requiredControllers()) {
            if (!have.contains(c)) {
                throw new CgroupException("controller " + c.v2Name() + " is not available (layout V2: " + where + ")",
                        null, c);
            }
        }
    }

    /** Makes {@code ownerDir} exist with every offered controller enabled down to it. */
    private void prepare() throws CgroupException {
        if (prepared) {
            return;
        }
        Set<Controller> want = EnumSet.noneOf(Controller.class);
        want.addAll(offered);
        Set<Controller> atBase = parseControllers(readSubtree(base));
        if (!atBase.containsAll(want) && !baseIsRoot) {
            evacuate();
        }
        Set<Controller> got = enable(base, want);
        mkdirIfAbsent(jobletDir);
        if (!jobletDir.equals(base)) {
            got = enable(jobletDir, got);
        }
        mkdirIfAbsent(ownerDir);
        enabled = enable(ownerDir, got);
        // Job files and directories are then reached relative to the owner directory (see HeldDirCgroupFs).
        fs.hold(ownerDir);
        prepared = true;
        LOG.debug("prepared {} with controllers {}", ownerDir, names(enabled));
    }

    private String readSubtree(Path dir) throws CgroupException {
        Path file = dir.resolve("cgroup.subtree_control");
        return fs.exists(file) ? fs.read(file) : "";
    }

    /** Moves every process of {@code base} into {@code base/joblet-jvm}, so controllers can be enabled in base. */
    private void evacuate() throws CgroupException {
        Path procs = base.resolve("cgroup.procs");
        long[] pids = Keyed.pids(fs.read(procs));
        if (pids.length == 0) {
            return;
        }
        Path leaf = base.resolve(JVM_LEAF);
        mkdirIfAbsent(leaf);
        Path leafProcs = leaf.resolve("cgroup.procs");
        // Processes started meanwhile land in base too: repeat until it is empty.
        for (int round = 0; round < 20 && pids.length > 0; round++) {
            for (long pid : pids) {
                try {
                    fs.write(leafProcs, Long.toString(pid));
                } catch (CgroupException e) {
                    LOG.debug("not moved (exited?): {}", e.getMessage());
                }
            }
            pids = Keyed.pids(fs.read(procs));
        }
        if (pids.length > 0) {
            throw new CgroupException("move processes of " + procs + " into " + leafProcs
                    + ": some remain (" + pids.length + "), cannot enable controllers below " + base);
        }
        LOG.debug("moved the processes of {} into {}", base, leaf);
    }

    /** Enables each of {@code want} in {@code dir}'s subtree_control; returns those now enabled. */
    private Set<Controller> enable(Path dir, Set<Controller> want) throws CgroupException {
        Path file = dir.resolve("cgroup.subtree_control");
        Set<Controller> have = parseControllers(readSubtree(dir));
        for (Controller c : want) {
            if (!have.contains(c)) {
                try {
                    fs.write(file, "+" + c.v2Name());
                } catch (CgroupException e) {
                    LOG.debug("controller {} stays disabled: {}", c.v2Name(), e.getMessage());
                }
            }
        }
        Set<Controller> now = parseControllers(readSubtree(dir));
        now.retainAll(want);
        return now;
    }

    private void mkdirIfAbsent(Path dir) throws CgroupException {
        if (!fs.exists(dir)) {
            try {
                fs.mkdir(dir);
            } catch (CgroupException e) {
                if (!fs.exists(dir)) {
                    throw e;
                }
            }
        }
    }

    @Override
    public int sweepStale() {
        OwnerTag self = OwnerTag.self(processes);
        return StaleSweeper.sweep(fs, List.of(jobletDir), self, processes,
                (owner, job) -> new V2JobCgroup(job, jobletDir.resolve(owner).resolve(job), fs, processes));
    }

    @Override
    public synchronized void close() {
        if (!prepared) {
            return;
        }
        fs.release(ownerDir);
        try {
            if (fs.exists(ownerDir) && fs.subdirectories(ownerDir).isEmpty()) {
                fs.rmdir(ownerDir);
            }
        } catch (CgroupException e) {
            LOG.debug("owner directory kept: {}", e.getMessage());
        }
        prepared = false;
    }
}
