package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.Controller;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver for v1 and hybrid hosts. A job gets {@code <own>/joblet/jvm-<owner>/<name>} in each v1 hierarchy
 * with cpu, cpuacct, memory, pids or blkio (plus cpuset when the job is pinned, plus freezer on pure v1 for
 * kill) and, on hybrid hosts, in the unified hierarchy, whose {@code cgroup.kill} and {@code cgroup.events}
 * it uses. Thread-safe.
 */
public final class V1Driver implements CgroupDriver {
    private static final Logger LOG = LoggerFactory.getLogger(V1Driver.class);
    private static final Set<String> ALWAYS = Set.of("cpu", "cpuacct", "memory", "pids", "blkio");

    private final CgroupFs fs;
    private final ProcessTable processes;
    private final HostLayout host;
    private final String ownerName;
    private final List<Hierarchy> always;
    private final @Nullable Hierarchy cpuset;
    private final Set<Controller> available;

    // Guarded by this: the hierarchies whose owner directory exists.
    private final Set<Hierarchy> prepared = new HashSet<>();

    public V1Driver(CgroupFs fs, ProcessTable processes, HostLayout host) {
        this(fs, processes, host, OwnerTag.self(processes).dirName());
    }

    /** {@code ownerName}: the name of this driver's owner directories (see {@link OwnerTag#driverDirName()}). */
    public V1Driver(CgroupFs fs, ProcessTable processes, HostLayout host, String ownerName) {
        if (host.layout() == CgroupLayout.V2) {
            throw new IllegalArgumentException("layout (V2) is not v1 or hybrid");
        }
        this.fs = fs;
        this.processes = processes;
        this.host = host;
        this.ownerName = ownerName;
        boolean useFreezer = host.unified() == null;
        List<Hierarchy> list = new ArrayList<>();
        for (Hierarchy h : host.v1()) {
            if (h.controllers().stream().anyMatch(ALWAYS::contains) || (useFreezer && h.has("freezer"))) {
                list.add(h);
            }
        }
        this.always = List.copyOf(list);
        this.cpuset = host.v1With("cpuset").orElse(null);
        Set<Controller> set = EnumSet.noneOf(Controller.class);
        for (Controller c : Controller.values()) {
            if (host.v1With(c.v1Name()).isPresent()) {
                set.add(c);
            }
        }
        this.available = Set.copyOf(set);
    }

    @Override
    public CgroupLayout layout() {
        return host.layout();
    }

    @Override
    public Set<Controller> availableControllers() {
        return available;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("cgroup ").append(host.layout() == CgroupLayout.HYBRID ? "hybrid" : "v1")
                .append("; controllers: ")
                .append(available.stream().map(Controller::v1Name).collect(Collectors.joining(" ")));
        for (Hierarchy h : host.v1()) {
            sb.append("; ").append(h.label()).append(" own cgroup ").append(h.ownDir());
        }
        host.unifiedHierarchy().ifPresent(u -> sb.append("; unified own cgroup ").append(u.ownDir())
                .append(" (kill, events)"));
        return sb.append("; jobs under <own>/joblet/").append(ownerName).toString();
    }

    private List<Hierarchy> hierarchiesFor(CgroupLimits limits) {
        List<Hierarchy> list = new ArrayList<>(always);
        if (cpuset != null && limits.requiredControllers().contains(Controller.CPUSET) && !list.contains(cpuset)) {
            list.add(cpuset);
        }
        return list;
    }

    private String relative(String owner, String name) {
        return "joblet/" + owner + "/" + name;
    }

    @Override
    public JobCgroup create(String name, CgroupLimits limits) throws CgroupException {
        CgroupTrees.requireName(name);
        for (Controller c : limits.requiredControllers()) {
            if (!available.contains(c)) {
                throw new CgroupException("controller " + c.v1Name() + " is not available (layout "
                        + host.layout() + ": no v1 hierarchy holding this process mounts " + c.v1Name() + ")",
                        null, c);
            }
        }
        List<Hierarchy> hierarchies = hierarchiesFor(limits);
        Hierarchy unified = host.unified();
        synchronized (this) {
            for (Hierarchy h : hierarchies) {
                prepare(h);
            }
            if (unified != null) {
                prepare(unified);
            }
        }
        V1JobCgroup job = new V1JobCgroup(name, hierarchies, unified, relative(ownerName, name), fs, processes);
        List<Path> created = new ArrayList<>();
        try {
            for (Path dir : job.directories()) {
                fs.mkdir(dir);
                created.add(dir);
            }
            V1Limits.apply(fs, job.directoriesByController(), limits);
        } catch (CgroupException | RuntimeException e) {
            // An interrupt (a ClosedByInterruptException of a write) must not also stop the removal: the flag is
            // cleared for it and set again after.
            boolean interrupted = Thread.interrupted();
            for (Path dir : created) {
                try {
                    CgroupTrees.removeTree(fs, dir);
                } catch (CgroupException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        LOG.debug("created job cgroup {} in {} with {}", name, job.directories(), limits);
        return job;
    }

    /** Creates {@code own/joblet/<owner>} in {@code h}; in cpuset hierarchies copies cpus and mems down. */
    private void prepare(Hierarchy h) throws CgroupException {
        if (prepared.contains(h)) {
            return;
        }
        Path joblet = h.ownDir().resolve("joblet");
        Path owner = joblet.resolve(ownerName);
        for (Path dir : List.of(joblet, owner)) {
            if (!fs.exists(dir)) {
                try {
                    fs.mkdir(dir);
                } catch (CgroupException e) {
                    if (!fs.exists(dir)) {
                        throw e;
                    }
                }
            }
            if (h.has("cpuset")) {
                inheritCpuset(dir, "cpuset.cpus");
                inheritCpuset(dir, "cpuset.mems");
            }
        }
        // Job files and directories are then reached relative to the owner directory (see HeldDirCgroupFs).
        fs.hold(owner);
        prepared.add(h);
    }

    /** A new v1 cpuset starts empty and then no task may join it: copy the parent's value. */
    private void inheritCpuset(Path dir, String file) throws CgroupException {
        if (fs.read(dir.resolve(file)).isBlank()) {
            fs.write(dir.resolve(file), fs.read(CgroupTrees.parent(dir).resolve(file)).strip());
        }
    }

    private List<Hierarchy> allUsable() {
        List<Hierarchy> list = new ArrayList<>(always);
        if (cpuset != null && !list.contains(cpuset)) {
            list.add(cpuset);
        }
        host.v1With("freezer").filter(f -> !list.contains(f)).ifPresent(list::add);
        return list;
    }

    @Override
    public int sweepStale() {
        List<Hierarchy> all = allUsable();
        List<Path> jobletDirs = new ArrayList<>();
        for (Hierarchy h : all) {
            jobletDirs.add(h.ownDir().resolve("joblet"));
        }
        host.unifiedHierarchy().ifPresent(u -> jobletDirs.add(u.ownDir().resolve("joblet")));
        return StaleSweeper.sweep(fs, jobletDirs, OwnerTag.self(processes), processes,
                (owner, job) -> new V1JobCgroup(job, all, host.unified(), relative(owner, job), fs, processes));
    }

    @Override
    public synchronized void close() {
        for (Hierarchy h : prepared) {
            Path owner = h.ownDir().resolve("joblet").resolve(ownerName);
            fs.release(owner);
            try {
                if (fs.exists(owner) && fs.subdirectories(owner).isEmpty()) {
                    fs.rmdir(owner);
                }
            } catch (CgroupException e) {
                LOG.debug("owner directory kept: {}", e.getMessage());
            }
        }
        prepared.clear();
    }
}
