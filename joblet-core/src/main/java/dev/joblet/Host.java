package dev.joblet;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.IoLimit;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.internal.HostFacts;
import dev.joblet.internal.Syscalls;
import dev.joblet.namespaces.LaunchRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the library needs from this host, set up once per JVM: privileges, the staging dir, cgroups. */
final class Host {
    private static final Logger log = LoggerFactory.getLogger(Host.class);
    static final Path STAGING = Path.of("/run/joblet/root");

    private static volatile @Nullable CgroupDriver driver;
    /** The host identities of this JVM's jobs (root only), made on first use. */
    private static volatile @Nullable HostIdentities identities;
    private static volatile boolean stagingReady;

    private Host() {}

    /** True when this JVM is not root: jobs then run through a user namespace (rootless mode). */
    private static volatile @Nullable Boolean rootless;

    /** Whether this JVM runs without root (its effective uid, read once: a JVM does not change it). */
    static boolean rootless() {
        Boolean r = rootless;
        if (r == null) {
            r = HostFacts.euid() != 0;
            rootless = r;
        }
        return r;
    }

    /** Fails before anything starts when this host cannot give the job what its spec asks for. */
    static void requireLaunchable(JobSpec spec) throws JobStartException {
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
    }

    /**
     * The allocator of the host identities jobs run as by default: 65,536 ids from 0x70000000, or
     * {@code -Djoblet.idRange=FIRST-LAST}; lock files under /run/joblet/ids. Only for a JVM that is root (a rootless
     * JVM maps every job to its own ids).
     */
    static HostIdentities identities() {
        HostIdentities h = identities;
        if (h == null) {
            synchronized (Host.class) {
                h = identities;
                if (h == null) {
                    int first = HostIdentities.DEFAULT_FIRST, count = HostIdentities.DEFAULT_COUNT;
                    String range = System.getProperty("joblet.idRange");
                    if (range != null) {
                        String[] p = range.strip().split("-");
                        try {
                            if (p.length != 2) {
                                throw new NumberFormatException();
                            }
                            first = Integer.parseInt(p[0].strip());
                            count = Math.toIntExact(Long.parseLong(p[1].strip()) - first + 1);
                        } catch (NumberFormatException | ArithmeticException e) {
                            throw new IllegalArgumentException("joblet.idRange (" + range + ") must be FIRST-LAST, e.g. "
                                    + HostIdentities.DEFAULT_FIRST + "-" + (HostIdentities.DEFAULT_FIRST + 65535));
                        }
                    }
                    h = new HostIdentities(first, count, HostIdentities.DEFAULT_DIR);
                    identities = h;
                }
            }
        }
        return h;
    }

    /**
     * A host identity of its own for a job of {@code spec}, or null when it runs as pinned ids, as root, or rootless
     * (the documented fallback: every job mapped to the JVM's own ids).
     */
    static HostIdentities.@Nullable Lease allocateIdentity(JobSpec spec) throws JobStartException {
        if (!spec.security().ownIdentity() || rootless()) {
            return null;
        }
        try {
            return identities().allocate();
        } catch (IOException | RuntimeException e) {
            throw new JobStartException("cannot start job \"" + spec.command().get(0) + "\": " + e.getMessage(),
                    "host identity", null, false, e);
        }
    }

    /** Whether jobs get a host identity of their own here, for checkEnvironment() and rnx doctor. */
    static EnvironmentCheck identityCheck() {
        String name = "host identity per job";
        if (!rootless()) {
            try {
                HostIdentities ids = identities();
                return new EnvironmentCheck(name, EnvironmentCheck.Status.OK, "each job runs as a host uid/gid of its own from "
                        + ids.range() + " (" + ids.available() + " free; ids of /etc/passwd, /etc/group, /etc/subuid, /etc/subgid"
                        + " and running processes left out), locked under " + HostIdentities.DEFAULT_DIR, "");
            } catch (IllegalArgumentException e) {
                return new EnvironmentCheck(name, EnvironmentCheck.Status.MISSING, String.valueOf(e.getMessage()),
                        "set -Djoblet.idRange=FIRST-LAST to a range no account or subordinate range uses");
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

    /** Puts the job's ids, capabilities, seccomp filter, rlimits and user namespace into the request. */
    static void applySecurity(Security sec, JobIdentity id, LaunchRequest.Builder b) {
        List<LaunchRequest.Rlimit> limits = new ArrayList<>();
        sec.rlimits().forEach((r, l) -> limits.add(new LaunchRequest.Rlimit(r.resource(), l.soft(), l.hard())));
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
            b.userNamespace(new LaunchRequest.UserNamespace(id.uid() + " " + HostFacts.euid() + " 1\n",
                    id.gid() + " " + HostFacts.egid() + " 1\n", true));
        } else if (sec.rootInUserNamespace()) {
            b.userNamespace(new LaunchRequest.UserNamespace("0 " + id.hostUid() + " 1\n", "0 " + id.hostGid() + " 1\n", false));
        }
    }

    /** The directory the job's root tmpfs is mounted on, inside the job's own mount namespace. */
    static String stagingDir() throws IOException {
        if (!stagingReady) {
            synchronized (Host.class) {
                Path staging = staging();
                if (!Files.isDirectory(staging)) {
                    Files.createDirectories(staging.getParent(),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
                    Files.createDirectories(staging,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                stagingReady = true;
            }
        }
        return staging().toString();
    }

    /** /run/joblet/root as root; rootless, a directory of this user's under java.io.tmpdir. */
    private static Path staging() {
        return rootless() ? Path.of(System.getProperty("java.io.tmpdir"), "joblet-" + HostFacts.euid(), "root") : STAGING;
    }

    static CgroupDriver cgroups() throws CgroupException {
        CgroupDriver d = driver;
        if (d == null) {
            synchronized (Host.class) {
                d = driver;
                if (d == null) {
                    String root = System.getProperty("joblet.cgroupRoot");
                    d = root == null ? CgroupDriver.detect() : CgroupDriver.forRoot(Path.of(root));
                    int swept = d.sweepStale();
                    if (swept > 0) {
                        log.info("removed {} cgroups left by jobs of a JVM that died", swept);
                    }
                    driver = d;
                    CgroupDriver owned = d;
                    // The per-JVM owner directories go when the JVM exits normally; a crashed JVM's are swept
                    // by the next one (sweepStale above).
                    java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        WarmPool.drain(); // its prepared cgroups first, then the (then empty) owner directories
                        owned.close();
                    }, "joblet-cgroup-cleanup"));
                }
            }
        }
        return d;
    }

    /** Creates the job's cgroup with its limits, or returns null when the spec asks for none. */
    static @Nullable JobCgroup createCgroup(String shortId, String id, JobSpec spec) throws JobStartException {
        if (!spec.needsCgroup()) {
            return null;
        }
        String program = spec.command().get(0);
        try {
            return cgroups().create(id, cgroupLimits(spec, 0));
        } catch (IOException | RuntimeException e) {
            throw cgroupFailure(shortId, program, e);
        }
    }

    /** The failure to start a job whose limits cannot be enforced. */
    static JobStartException cgroupFailure(String shortId, String program, Exception e) {
        String fix = rootless() ? " (this JVM is not root: run it in a cgroup delegated to this user, e.g. under"
                + " 'systemd-run --user --scope -p Delegate=yes' on cgroup v2, or ask for no limits: pidsMax(0) and noMemoryLimit())" : "";
        return new JobStartException("cannot start job " + shortId + " \"" + program + "\": the limits asked for cannot be"
                + " enforced: " + e.getMessage() + fix, "create cgroup", null, false, e);
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
        for (dev.joblet.IoLimit l : spec.ioLimits()) {
            b.io(new IoLimit(l.major(), l.minor(), l.readBps(), l.writeBps(), l.readIops(), l.writeIops()));
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
