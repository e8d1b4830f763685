package dev.joblet;

import dev.joblet.internal.net.HostsFile;
import dev.joblet.namespaces.HostFiles;
import dev.joblet.namespaces.MountOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** The mount plan of a job's root: its runtime read-only, then /proc, /dev, /tmp, /work and volumes. */
final class RootPlan {
    /** Host directories that make up {@link JobRuntime#host()}; symlinks (merged /usr) are recreated as such. */
    private static final List<String> HOST_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

    /** The parts of the host's /etc that programs need (and nothing secret such as shadow or ssh keys). */
    private static final List<String> HOST_ETC = List.of(
            "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf", "/etc/resolv.conf",
            "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
            "/etc/alternatives", "/etc/bash.bashrc", "/etc/profile", "/etc/inputrc", "/etc/ssl", "/etc/ca-certificates",
            "/etc/os-release", "/etc/debian_version", "/etc/terminfo", "/etc/protocols", "/etc/services",
            "/etc/mime.types", "/etc/magic", "/etc/python3", "/etc/python3.11",
            // The JDK's conf/security/java.security links here (Debian): without it, java in a job fails to load it.
            "/etc/java-17-openjdk", "/etc/java-21-openjdk");

    /** Entries of a directory runtime that the job's own mounts replace. */
    private static final Set<String> OURS = Set.of("proc", "dev", "tmp", "work", "sys", "run");

    private RootPlan() {}

    /**
     * The plan for a job whose runtime resolved to {@code resolved} (null for the host), whose workspace is
     * {@code workspace} (a detached tmpfs; null for a fresh tmpfs), running as {@code id}: its tmpfs mounts belong
     * to it, and its job-local passwd and group (when it has them) are its /etc/passwd and /etc/group.
     */
    static List<MountOp> of(JobSpec spec, Runtimes.@Nullable Resolved resolved, @Nullable Workspace workspace,
            JobIdentity id)
            throws JobStartException {
        List<MountOp> ops = new ArrayList<>();
        JobRuntime runtime = spec.runtime();
        if (runtime.isHost()) {
            for (String d : HOST_DIRS) {
                ops.add(d.equals("/usr") ? MountOp.bind(d, d, true) : MountOp.optionalBind(d, d));
            }
            ops.add(MountOp.dir("/etc"));
            for (String f : HOST_ETC) {
                Path own = f.equals("/etc/passwd") ? id.passwd() : f.equals("/etc/group") ? id.group() : null;
                ops.add(f.equals("/etc/hosts") ? hosts(spec)
                        : f.equals("/etc/resolv.conf") && spec.network() instanceof PrivateNetwork p ? resolv(p)
                        : own != null ? MountOp.bind(own.toString(), f, true) : MountOp.optionalBind(f, f));
            }
            ops.add(MountOp.namedFile("/etc/hostname", ""));
        } else {
            if (resolved == null) {
                throw new IllegalArgumentException("runtime " + runtime + " was not resolved");
            }
            ops.addAll(directoryRuntime(runtime, resolved.rootfs(), spec.writableLayer().isEmpty()));
            // Over the runtime's own files, where it has them (a bind needs its mount point).
            Path passwd = id.passwd(), group = id.group();
            if (passwd != null && Files.isRegularFile(resolved.rootfs().resolve("etc/passwd"), LinkOption.NOFOLLOW_LINKS)) {
                ops.add(MountOp.bind(passwd.toString(), "/etc/passwd", true));
            }
            if (group != null && Files.isRegularFile(resolved.rootfs().resolve("etc/group"), LinkOption.NOFOLLOW_LINKS)) {
                ops.add(MountOp.bind(group.toString(), "/etc/group", true));
            }
            // Over the runtime's own, where it has them (their mount points): a runtime without them stays as it is.
            if (Files.isRegularFile(resolved.rootfs().resolve("etc/hosts"), LinkOption.NOFOLLOW_LINKS)) {
                ops.add(hosts(spec));
            }
            if (spec.network() instanceof PrivateNetwork p
                    && Files.isRegularFile(resolved.rootfs().resolve("etc/resolv.conf"), LinkOption.NOFOLLOW_LINKS)) {
                ops.add(resolv(p));
            }
            if (Files.isRegularFile(resolved.rootfs().resolve("etc/hostname"), LinkOption.NOFOLLOW_LINKS)) {
                ops.add(MountOp.namedFile("/etc/hostname", ""));
            }
        }
        ops.add(MountOp.proc("/proc"));
        ops.add(MountOp.dev("/dev", spec.ptysMax()));
        ops.add(MountOp.tmpfs("/tmp", "mode=1777,size=" + spec.tmpSize().bytes() + ",nr_inodes=" + spec.tmpInodes()));
        // The workspace belongs to the job's user: it stays writable after the privilege drop.
        ops.add(workspace == null
                ? MountOp.tmpfs("/work", "mode=0755,size=" + spec.workspaceSize().bytes() + ",nr_inodes="
                        + spec.workspaceInodes() + id.ownerOptions())
                : MountOp.move(workspace.descriptor(), "/work"));
        List<Volume> volumes = new ArrayList<>();
        if (resolved != null && resolved.manifest() != null) {
            volumes.addAll(resolved.manifest().mounts());
        }
        volumes.addAll(spec.volumes());
        for (Volume v : volumes) {
            checkSource(v, id, spec.security());
            ops.add(MountOp.bind(v.source().toString(), v.target(), !v.writable()));
        }
        for (MemoryVolume m : spec.memoryVolumes()) {
            ops.add(MountOp.tmpfs(m.target(), "mode=0755,size=" + m.size().bytes() + ",nr_inodes="
                    + JobSpec.inodesFor(m.size()) + id.ownerOptions()));
        }
        return ops;
    }

    /**
     * A private network's resolver file, naming only the nameservers its jobs can reach: one they cannot would be
     * asked (AAAA for a member's name, which the hosts file has for IPv4 only) and time out twice 5 s.
     */
    private static MountOp resolv(PrivateNetwork network) {
        return MountOp.bind(network.impl().resolvFile().toString(), "/etc/resolv.conf", true);
    }

    /**
     * The job's own /etc/hosts, naming it on loopback as container runtimes do: the loopback names, then its
     * hostname on 127.0.1.1 (the helper writes the hostname: a prepared root may learn it only after its wait). On
     * the host's network, the host's own file comes first, so that the names the host's administrator listed still
     * resolve there (the job shares the host's addresses; its own name is the only one it adds). A private network
     * puts its own file over this one (JobNetworking.withHosts): it names every member on its address.
     */
    private static MountOp hosts(JobSpec spec) {
        String head = HostsFile.LOOPBACK;
        if (spec.network() == Network.HOST) {
            try {
                head = Files.readString(Path.of("/etc/hosts"));
                if (!head.isEmpty() && !head.endsWith("\n")) {
                    head += "\n";
                }
            } catch (IOException | RuntimeException e) {
                head = HostsFile.LOOPBACK; // unreadable or not text: the loopback names still hold
            }
        }
        return MountOp.namedFile("/etc/hosts", head + HostsFile.OWN_NAME_ADDRESS + "\t");
    }

    /**
     * An early, clear error for a volume source that is missing or reached through a link, or writable but not for
     * the job ({@link VolumeAccess}, which also hands an {@link Volume#ownedByJob()} source to the job). What is
     * bound is decided by the helper alone, which resolves the source once by the same rule and binds from that
     * descriptor (a check here cannot go stale: it only names the error sooner).
     */
    private static void checkSource(Volume v, JobIdentity id, Security sec) throws JobStartException {
        int fd;
        try {
            fd = HostFiles.openPath(v.source().toString());
        } catch (HostFiles.ErrnoException e) {
            String why = e.errno() == 2 ? "does not exist"
                    : e.errno() == HostFiles.ELOOP ? "is reached through a symbolic link; links are never followed:"
                            + " name the real path" : "cannot be opened: " + e.getMessage();
            throw new JobStartException("volume source " + v.source() + " " + why, "volume " + v.source(), e.errnoName(),
                    false, e);
        } catch (java.io.IOException e) {
            throw new JobStartException("volume source " + v.source() + ": " + e.getMessage(), "volume " + v.source(), null,
                    false, e);
        }
        try {
            if (HostFiles.stat(fd).isSymbolicLink()) {
                throw new JobStartException("volume source " + v.source() + " is a symbolic link; links are never followed:"
                        + " name the real path", "volume " + v.source(), "ELOOP", false, null);
            }
            VolumeAccess.prepare(v, fd, id, sec);
        } catch (java.io.IOException e) {
            throw new JobStartException("volume source " + v.source() + ": " + e.getMessage(), "volume " + v.source(), null,
                    false, e);
        } finally {
            HostFiles.close(fd);
        }
    }

    /** Each top-level entry of the tree read-only; the helper recreates top-level links as links. */
    private static List<MountOp> directoryRuntime(JobRuntime runtime, Path root, boolean readOnly) throws JobStartException {
        List<MountOp> ops = new ArrayList<>();
        // The runtime's own directory is the operator's: its real path, so that the helper, which refuses a link in
        // any component of a bind's source, finds none above the runtime's entries.
        try (Stream<Path> entries = Files.list(root.toRealPath())) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (!OURS.contains(name)) {
                    ops.add(MountOp.bind(p.toString(), "/" + name, readOnly));
                }
            }
        } catch (IOException e) {
            throw new JobStartException("runtime " + runtime.name() + ": cannot list " + root + ": " + e.getMessage(),
                    "runtime " + runtime.name(), null, false, e);
        }
        return ops;
    }
}
