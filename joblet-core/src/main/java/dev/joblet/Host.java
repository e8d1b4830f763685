package dev.joblet;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.IoLimit;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.internal.HostFacts;
import java.io.IOException;
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
    private static volatile boolean stagingReady;

    private Host() {}

    static void requireRoot() throws JobStartException {
        int euid = HostFacts.euid();
        if (euid != 0) {
            throw new JobStartException("joblet needs root: creating namespaces, mounts and cgroups requires euid 0, and this"
                    + " process runs as uid " + euid + " (rootless mode is not available yet; run as root or with sudo)",
                    "check privileges", "EPERM", false, null);
        }
    }

    /** The directory the job's root tmpfs is mounted on, inside the job's own mount namespace. */
    static String stagingDir() throws IOException {
        if (!stagingReady) {
            synchronized (Host.class) {
                if (!Files.isDirectory(STAGING)) {
                    Files.createDirectories(STAGING.getParent(),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
                    Files.createDirectories(STAGING,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                stagingReady = true;
            }
        }
        return STAGING.toString();
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
                    java.lang.Runtime.getRuntime().addShutdownHook(new Thread(owned::close, "joblet-cgroup-cleanup"));
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
        CgroupLimits.Builder b = CgroupLimits.builder();
        spec.cpuPercent().ifPresent(b::cpuPercent);
        spec.memory().ifPresent(m -> b.memoryMaxBytes(m.bytes()));
        if (spec.pidsMax() > 0) {
            b.pidsMax(spec.pidsMax());
        }
        spec.cpus().ifPresent(c -> b.cpusetCpus(c.toString()));
        spec.cpuWeight().ifPresent(b::cpuWeight);
        spec.memoryHigh().ifPresent(m -> b.memoryHighBytes(m.bytes()));
        for (dev.joblet.IoLimit l : spec.ioLimits()) {
            b.io(new IoLimit(l.major(), l.minor(), l.readBps(), l.writeBps(), l.readIops(), l.writeIops()));
        }
        String program = spec.command().get(0);
        try {
            if (spec.ioBps() > 0) {
                long[] dev = BlockDevices.wholeDiskOf(Path.of("/"));
                boolean explicit = spec.ioLimits().stream().anyMatch(l -> l.major() == dev[0] && l.minor() == dev[1]);
                if (!explicit) { // an explicit limit on the same device wins
                    b.io(new IoLimit((int) dev[0], (int) dev[1], spec.ioBps(), spec.ioBps(), 0, 0));
                }
            }
            return cgroups().create(id, b.build());
        } catch (IOException | RuntimeException e) {
            throw new JobStartException("cannot start job " + shortId + " \"" + program + "\": the limits asked for cannot be"
                    + " enforced: " + e.getMessage(), "create cgroup", null, false, e);
        }
    }
}
