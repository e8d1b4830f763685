package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
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

    /**
     * What keeps {@code root} from being a delegated root of this process, or null when nothing does: it must be a
     * directory of the cgroup v2 hierarchy, at or under this process's own cgroup there (job cgroups are made only
     * under the process's own cgroup).
     */
    public static @Nullable String delegatedRootProblem(Path root) {
        try {
            return delegatedRootProblem(root, read(Path.of("/proc/self/mountinfo")), read(Path.of("/proc/self/cgroup")),
                    Path.of("/"));
        } catch (CgroupException e) {
            return "cannot be checked: " + e.getMessage();
        }
    }

    /** As above, from file contents, with mount points resolved against {@code fsRoot} (testable). */
    public static @Nullable String delegatedRootProblem(Path root, String mountinfo, String procSelfCgroup, Path fsRoot)
            throws CgroupException {
        if (!Files.exists(root)) {
            return "does not exist";
        }
        if (!Files.isDirectory(root)) {
            return "is not a directory";
        }
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            return "cannot be resolved: " + e.getMessage();
        }
        Hierarchy u = LayoutDetector.detect(mountinfo, procSelfCgroup, fsRoot).unifiedHierarchy().orElse(null);
        if (u == null) {
            return "is not on a cgroup v2 filesystem: this host mounts no cgroup v2 hierarchy this process is in";
        }
        if (!real.startsWith(u.mountPoint())) {
            return "is not on a cgroup v2 filesystem (this host's is mounted at " + u.mountPoint() + ")";
        }
        if (!real.startsWith(u.ownDir())) {
            return "is not at or under this process's own cgroup (" + u.ownDir() + "): job cgroups are made only there";
        }
        return null;
    }

    private static String read(Path file) throws CgroupException {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw NioCgroupFs.failure("read", file, e);
        }
    }
}
