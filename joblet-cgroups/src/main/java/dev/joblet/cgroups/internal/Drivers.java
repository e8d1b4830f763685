package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Factories behind {@link CgroupDriver#detect()} and {@link CgroupDriver#forRoot(Path)}. Stateless. */
public final class Drivers {
    private static final Logger LOG = LoggerFactory.getLogger(Drivers.class);

    private Drivers() {}

    public static CgroupDriver detect() throws CgroupException {
        Path mountinfo = Path.of("/proc/self/mountinfo");
        Path cgroup = Path.of("/proc/self/cgroup");
        ProcessTable processes = ProcProcessTable.system();
        // A directory of this driver's own: two drivers of one JVM (two Joblet instances) never share one.
        return detect(read(mountinfo), read(cgroup), Path.of("/"), new HeldDirCgroupFs(), processes,
                OwnerTag.self(processes).driverDirName());
    }

    /** The name of the owner directory of detached jobs' cgroups: no JVM's, so never swept (see detectDetached). */
    public static final String DETACHED_OWNER = "detached";

    /** As {@link #detect()}, with jobs under {@code <own>/joblet/detached}. */
    public static CgroupDriver detectDetached() throws CgroupException {
        ProcessTable processes = ProcProcessTable.system();
        return detect(read(Path.of("/proc/self/mountinfo")), read(Path.of("/proc/self/cgroup")), Path.of("/"),
                new HeldDirCgroupFs(), processes, DETACHED_OWNER);
    }

    /** As {@link #forRoot(Path)}, with jobs under {@code <root>/detached}. */
    public static CgroupDriver forRootDetached(Path delegatedRoot) throws CgroupException {
        return forRoot(delegatedRoot, new HeldDirCgroupFs(), ProcProcessTable.system(), DETACHED_OWNER);
    }

    /** Detection from file contents, with mount points resolved against {@code fsRoot} (testable). */
    public static CgroupDriver detect(String mountinfo, String procSelfCgroup, Path fsRoot, CgroupFs fs,
            ProcessTable processes) throws CgroupException {
        return detect(mountinfo, procSelfCgroup, fsRoot, fs, processes, OwnerTag.self(processes).dirName());
    }

    /** As above, with the owner directories named {@code ownerName}. */
    public static CgroupDriver detect(String mountinfo, String procSelfCgroup, Path fsRoot, CgroupFs fs,
            ProcessTable processes, String ownerName) throws CgroupException {
        HostLayout host = LayoutDetector.detect(mountinfo, procSelfCgroup, fsRoot);
        LOG.debug("cgroup layout {}: v1 {}, unified {}", host.layout(), host.v1(), host.unified());
        if (host.layout() == CgroupLayout.V2) {
            Hierarchy u = host.unifiedHierarchy().orElseThrow();
            boolean isRoot = u.ownDir().equals(u.mountPoint());
            return new V2Driver(fs, processes, u.ownDir(), isRoot, u.ownDir().resolve("joblet"), ownerName);
        }
        return new V1Driver(fs, processes, host, ownerName);
    }

    public static CgroupDriver forRoot(Path delegatedRoot) throws CgroupException {
        ProcessTable processes = ProcProcessTable.system();
        return forRoot(delegatedRoot, new HeldDirCgroupFs(), processes, OwnerTag.self(processes).driverDirName());
    }

    public static CgroupDriver forRoot(Path delegatedRoot, CgroupFs fs, ProcessTable processes)
            throws CgroupException {
        return forRoot(delegatedRoot, fs, processes, OwnerTag.self(processes).dirName());
    }

    /** As above, with the owner directory named {@code ownerName}. */
    public static CgroupDriver forRoot(Path delegatedRoot, CgroupFs fs, ProcessTable processes, String ownerName)
            throws CgroupException {
        Path root = delegatedRoot.toAbsolutePath().normalize();
        if (!fs.exists(root)) {
            throw new CgroupException("open " + root + ": No such file or directory (configured cgroup root)");
        }
        // The hierarchy's root has no cgroup.procs owner to protect and no cgroup.events.
        boolean isRoot = !fs.exists(root.resolve("cgroup.events"));
        return new V2Driver(fs, processes, root, isRoot, root, ownerName);
    }

    private static String read(Path file) throws CgroupException {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw NioCgroupFs.failure("read", file, e);
        }
    }
}
