package dev.joblet;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.IoLimit;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.internal.HostFacts;
import dev.joblet.internal.Syscalls;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.Rlimit;
import dev.joblet.namespaces.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Joblet} instance needs from this host: whether it runs rootless, its cgroup driver, the host
 * identities of its jobs and the staging dir of their roots. One per instance, which closes it; made lazily, on the
 * first job that needs each. Thread-safe.
 */
final class Host implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Host.class);

    private final JobletConfig config;
    /** Where the identity range is set, named in messages: the config's builder, or for Joblet.system() its property. */
    private final String rangeSetting;
    /** True when this process is not root: jobs then run through a user namespace (rootless mode). */
    private final boolean rootless;
    private final Object lock = new Object();
    private @Nullable CgroupDriver driver; // guarded by lock
    /** The driver of detached jobs' cgroups ({@link CgroupDriver#detectDetached()}), made on first use. */
    private @Nullable CgroupDriver detachedDriver; // guarded by lock
    /** The host identities of this instance's jobs (root only), made on first use. Guarded by lock. */
    private @Nullable HostIdentities identities;
    private boolean stagingReady; // guarded by lock
    /** Rootless: why no cgroup can be made ("" when one can), found on first need. Guarded by lock. */
    private @Nullable String cgroupProblem;
    private boolean closed; // guarded by lock

    /** @param system whether this is {@link Joblet#system()}'s, whose config comes from the system properties */
    Host(JobletConfig config, boolean system) {
        this.config = config;
        this.rangeSetting = system ? HostIdentities.SYSTEM_RANGE_SETTING : HostIdentities.RANGE_SETTING;
        this.rootless = HostFacts.euid() != 0; // a process does not change its effective uid
    }

    /** Whether this process runs without root. */
    boolean rootless() {
        return rootless;
    }

    /**
     * Why this rootless process cannot create cgroups, or null when it can (or is root): found once, by making and
     * removing one empty cgroup where jobs' go.
     */
    @Nullable String cgroupProblem() {
        if (!rootless) {
            return null;
        }
        synchronized (lock) {
            if (cgroupProblem == null) {
                try {
                    cgroups().create("probe-" + JobId.random(), CgroupLimits.builder().build()).remove();
                    cgroupProblem = "";
                } catch (IOException | RuntimeException e) {
                    cgroupProblem = String.valueOf(e.getMessage());
                }
            }
            return cgroupProblem.isEmpty() ? null : cgroupProblem;
        }
    }

    /**
     * Fails before anything starts when this host cannot give the job what its spec asks for; returns the spec as it
     * runs here (rootless without a cgroup: {@link RootlessDefaults#adapt}).
     */
    JobSpec requireLaunchable(JobSpec spec) throws JobStartException {
        if (spec.security().seccomp().isEnabled() && !Syscalls.supportedArch()) {
            throw new JobStartException("the default seccomp filter is built for x86_64 and this JVM runs on "
                    + System.getProperty("os.arch") + "; run without one with seccomp(SeccompPolicy.disabled())",
                    "build seccomp filter", "ENOSYS", false, null);
        }
        if (rootless() && spec.retainsWorkspace()) {
            throw new JobStartException("uploads and retainWorkspace need a root JVM: the workspace is a tmpfs that the JVM"
                    + " makes and fills before the job starts, which an unprivileged JVM cannot mount", "workspace", "EPERM",
                    false, null);
        }
        if (rootless() && !spec.security().capabilities().isEmpty() && !spec.security().rootInUserNamespace()) {
            throw new JobStartException("capabilities " + spec.security().capabilities() + " cannot be kept in rootless mode"
                    + " for a non-root job user; ask for rootInUserNamespace() (capabilities over the job's own namespaces)",
                    "check privileges", "EPERM", false, null);
        }
        String problem = spec.needsCgroup() ? cgroupProblem() : null;
        return problem == null ? spec : RootlessDefaults.adapt(spec, problem);
    }

    /**
     * The allocator of the host identities jobs run as by default: the config's identity range, lock files under
     * {@code <stateRoot>/ids}. Only for a process that is root (a rootless one maps every job to its own ids).
     */
    HostIdentities identities() {
        synchronized (lock) {
            if (identities == null) {
                identities = new HostIdentities(config.firstId(), config.idCount(), config.identitiesDir(), rangeSetting);
            }
            return identities;
        }
    }

    /**
     * A host identity of its own for a job of {@code spec}, or null when it runs as pinned ids, as root, or rootless
     * (the documented fallback: every job mapped to the JVM's own ids).
     */
    HostIdentities.@Nullable Lease allocateIdentity(JobSpec spec) throws JobStartException {
        if (!spec.security().ownIdentity() || rootless()) {
            return null;
        }
        try {
            return identities().allocate();
        } catch (IOException | RuntimeException e) {
            throw JobStartException.cannotStart(null, spec.command().get(0), String.valueOf(e.getMessage()),
                    "host identity", null, e);
        }
    }

    /** Whether jobs get a host identity of their own here, for checkEnvironment() and rnx doctor. */
    EnvironmentCheck identityCheck() {
        String name = "host identity per job";
        if (!rootless()) {
            try {
                HostIdentities ids = identities();
                return new EnvironmentCheck(name, EnvironmentCheck.Status.OK, "each job runs as a host uid/gid of its own from "
                        + ids.range() + " (" + ids.available() + " free; ids of /etc/passwd, /etc/group, /etc/subuid, /etc/subgid"
                        + " and running processes left out), locked under " + config.identitiesDir(), "");
            } catch (IllegalArgumentException e) {
                return new EnvironmentCheck(name, EnvironmentCheck.Status.MISSING, String.valueOf(e.getMessage()),
                        "set " + rangeSetting + " to a range no account or subordinate range uses");
            }
        }
        String user = System.getProperty("user.name", "");
        boolean subuid = false;
        try {
            for (String line : Files.readAllLines(Path.of("/etc/subuid"))) {
                String who = line.split(":", -1)[0];
                subuid |= who.equals(user) || who.equals(Integer.toString(HostFacts.euid()));
            }
        } catch (IOException e) {
            // no /etc/subuid
        }
        boolean tools = Files.isExecutable(Path.of("/usr/bin/newuidmap")) && Files.isExecutable(Path.of("/usr/bin/newgidmap"));
        return new EnvironmentCheck(name, EnvironmentCheck.Status.LIMITED, "rootless: every job runs as this JVM's uid "
                + HostFacts.euid() + " (mapped to nobody inside), so jobs share its per-user kernel limits (inotify, mqueue,"
                + " pipe pages, pending signals) and a process of that uid can read their /proc; " + (subuid
                        ? "a subordinate range of /etc/subuid exists" + (tools ? " and newuidmap is installed, but" : ", but")
                                + " mapping jobs into it is not implemented yet"
                        : "no subordinate range in /etc/subuid for " + user),
                "run the JVM as root for a host identity per job; rootless, run untrusted jobs under a dedicated user");
    }

    /** What a default job gets here (which defaults hold, which are replaced), for checkEnvironment(). */
    EnvironmentCheck defaultsCheck() {
        return RootlessDefaults.check(rootless, cgroupProblem());
    }

    /** Puts the job's ids, capabilities, seccomp filter, rlimits and user namespace into the request. */
    void applySecurity(Security sec, JobIdentity id, LaunchRequest.Builder b) {
        List<Rlimit> limits = new ArrayList<>();
        sec.rlimits().forEach((r, l) -> limits.add(new Rlimit(r.resource(), l.soft(), l.hard())));
        b.ids(id.uid(), id.gid())
                // every capability (privileged): change no capability set at all
                .capabilities(sec.capabilities().size() == Capability.values().length ? LaunchRequest.ALL_CAPABILITIES
                        : sec.capabilityMask())
                .noNewPrivs(sec.noNewPrivileges())
                .maskProc(sec.hardenedProc())
                .seccompFilter(sec.seccomp().program())
                .rlimits(limits);
        if (rootless()) {
            // An unprivileged helper may map exactly its own ids, once, after denying setgroups.
            b.userNamespace(new UserNamespace(id.uid() + " " + HostFacts.euid() + " 1\n",
                    id.gid() + " " + HostFacts.egid() + " 1\n", true));
        } else if (sec.rootInUserNamespace()) {
            b.userNamespace(new UserNamespace("0 " + id.hostUid() + " 1\n", "0 " + id.hostGid() + " 1\n", false));
        }
    }

    /** The directory the job's root tmpfs is mounted on, inside the job's own mount namespace. */
    String stagingDir() throws IOException {
        Path staging = staging();
        synchronized (lock) {
            if (!stagingReady) {
                if (!Files.isDirectory(staging)) {
                    Files.createDirectories(java.util.Objects.requireNonNull(staging.getParent(), "an absolute staging dir"),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
                    Files.createDirectories(staging,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                stagingReady = true;
            }
        }
        return staging.toString();
    }

    /** {@code <stateRoot>/root} as root; rootless, a directory of this user's under java.io.tmpdir. */
    private Path staging() {
        return rootless ? Path.of(System.getProperty("java.io.tmpdir"), "joblet-" + HostFacts.euid(), "root")
                : config.stagingDir();
    }

    /**
     * The instance's cgroup driver, made on first use (then the cgroups of jobs of a process that died are swept).
     * Its owner directories go when the instance closes; a crashed JVM's are swept by the next one.
     */
    CgroupDriver cgroups() throws CgroupException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("this Joblet is closed: its cgroups are gone");
            }
            CgroupDriver d = driver;
            if (d == null) {
                Path root = config.cgroupRoot().orElse(null);
                d = root == null ? CgroupDriver.detect() : CgroupDriver.forRoot(root);
                int swept = d.sweepStale();
                if (swept > 0) {
                    log.info("removed {} cgroups left by jobs of a JVM that died", swept);
                }
                driver = d;
            }
            return d;
        }
    }

    /** Removes the driver's (then empty) owner directories; the caller has ended every job and pooled cgroup. */
    @Override
    public void close() {
        CgroupDriver d;
        CgroupDriver dd;
        synchronized (lock) {
            closed = true;
            d = driver;
            driver = null;
            dd = detachedDriver;
            detachedDriver = null;
        }
        if (d != null) {
            d.close();
        }
        if (dd != null) {
            dd.close(); // leaves the cgroups of detached jobs still running: their supervisors own them
        }
    }

    /**
     * Creates a detached job's cgroup, in {@code <own>/joblet/detached/<id>}, which no sweep of a dead JVM's cgroups
     * touches (its supervisor removes it); null when rootless and the spec asks for no limits.
     */
    @Nullable JobCgroup createDetachedCgroup(JobId id, JobSpec spec) throws JobStartException {
        if (rootless && !spec.needsCgroup()) {
            return null;
        }
        try {
            CgroupDriver d;
            synchronized (lock) {
                if (closed) {
                    throw new IllegalStateException("this Joblet is closed: its cgroups are gone");
                }
                d = detachedDriver;
                if (d == null) {
                    Path root = config.cgroupRoot().orElse(null);
                    d = root == null ? CgroupDriver.detectDetached() : CgroupDriver.forRootDetached(root);
                    detachedDriver = d;
                }
            }
            return d.create(id.toString(), cgroupLimits(spec, 0));
        } catch (IOException | RuntimeException e) {
            throw cgroupFailure(id, spec.command().get(0), e);
        }
    }

    /** Creates the job's cgroup with its limits, or returns null when the spec asks for none. */
    @Nullable JobCgroup createCgroup(JobId id, JobSpec spec) throws JobStartException {
        if (!spec.needsCgroup()) {
            return null;
        }
        String program = spec.command().get(0);
        try {
            return cgroups().create(id.toString(), cgroupLimits(spec, 0));
        } catch (IOException | RuntimeException e) {
            throw cgroupFailure(id, program, e);
        }
    }

    /** The failure to start a job whose limits cannot be enforced. */
    JobStartException cgroupFailure(JobId id, String program, Exception e) {
        String fix = rootless ? " (this JVM is not root: run it in a cgroup delegated to this user, e.g. under"
                + " 'systemd-run --user --scope -p Delegate=yes' on cgroup v2, or ask for no limits: pidsMax(0) and noMemoryLimit())" : "";
        return JobStartException.cannotStart(id, program, "the limits asked for cannot be enforced: " + e.getMessage()
                + fix, "create cgroup", null, e);
    }

    /** The spec's limits; {@code extraPids} more processes are allowed (a supervisor sitting in the cgroup). */
    static CgroupLimits cgroupLimits(JobSpec spec, int extraPids) throws IOException {
        CgroupLimits.Builder b = CgroupLimits.builder();
        spec.cpuPercent().ifPresent(b::cpuPercent);
        spec.memory().ifPresent(m -> b.memoryMaxBytes(m.bytes()));
        if (spec.pidsMax() > 0) {
            b.pidsMax(spec.pidsMax() + extraPids);
        }
        spec.cpus().ifPresent(c -> b.cpusetCpus(c.toString()));
        spec.cpuWeight().ifPresent(b::cpuWeight);
        spec.memoryHigh().ifPresent(m -> b.memoryHighBytes(m.bytes()));
        for (IoLimit l : spec.ioLimits()) {
            b.io(l);
        }
        if (spec.ioBps() > 0) {
            long[] dev = BlockDevices.wholeDiskOf(Path.of("/"));
            boolean explicit = spec.ioLimits().stream().anyMatch(l -> l.major() == dev[0] && l.minor() == dev[1]);
            if (!explicit) { // an explicit limit on the same device wins
                b.io(new IoLimit((int) dev[0], (int) dev[1], spec.ioBps(), spec.ioBps(), 0, 0));
            }
        }
        return b.build();
    }
}
