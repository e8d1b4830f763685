package dev.joblet;

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
    /** Host directories that make up {@link Runtime#host()}; symlinks (merged /usr) are recreated as such. */
    private static final List<String> HOST_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

    /** The parts of the host's /etc that programs need (and nothing secret such as shadow or ssh keys). */
    private static final List<String> HOST_ETC = List.of(
            "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf", "/etc/resolv.conf",
            "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
            "/etc/alternatives", "/etc/bash.bashrc", "/etc/profile", "/etc/inputrc", "/etc/ssl", "/etc/ca-certificates",
            "/etc/os-release", "/etc/debian_version", "/etc/terminfo", "/etc/protocols", "/etc/services",
            "/etc/mime.types", "/etc/magic", "/etc/python3", "/etc/python3.11");

    /** Entries of a directory runtime that the job's own mounts replace. */
    private static final Set<String> OURS = Set.of("proc", "dev", "tmp", "work", "sys", "run");

    private RootPlan() {}

    /**
     * The plan for a job whose runtime resolved to {@code resolved} (null for the host), whose workspace is
     * the host directory {@code workspace} (null for a fresh tmpfs), running as {@code id}: its tmpfs mounts belong
     * to it, and its job-local passwd and group (when it has them) are its /etc/passwd and /etc/group.
     */
    static List<MountOp> of(JobSpec spec, Runtimes.@Nullable Resolved resolved, @Nullable Path workspace, JobIdentity id)
            throws JobStartException {
        List<MountOp> ops = new ArrayList<>();
        Runtime runtime = spec.runtime();
        if (runtime.isHost()) {
            for (String d : HOST_DIRS) {
                ops.add(d.equals("/usr") ? MountOp.bind(d, d, true) : MountOp.optionalBind(d, d));
            }
            ops.add(MountOp.dir("/etc"));
            for (String f : HOST_ETC) {
                Path own = f.equals("/etc/passwd") ? id.passwd() : f.equals("/etc/group") ? id.group() : null;
                ops.add(own != null ? MountOp.bind(own.toString(), f, true) : MountOp.optionalBind(f, f));
            }
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
        }
        ops.add(MountOp.proc("/proc"));
        ops.add(MountOp.dev("/dev", spec.ptysMax()));
        ops.add(MountOp.tmpfs("/tmp", "mode=1777,size=" + spec.tmpSize().bytes() + ",nr_inodes=" + spec.tmpInodes()));
        // The workspace belongs to the job's user: it stays writable after the privilege drop.
        ops.add(workspace == null
                ? MountOp.tmpfs("/work", "mode=0755,size=" + spec.workspaceSize().bytes() + ",nr_inodes="
                        + spec.workspaceInodes() + id.ownerOptions())
                : MountOp.bind(workspace.toString(), "/work", false));
        List<Volume> volumes = new ArrayList<>();
        if (resolved != null && resolved.manifest() != null) {
            volumes.addAll(resolved.manifest().mounts());
        }
        volumes.addAll(spec.volumes());
        for (Volume v : volumes) {
            if (!Files.exists(v.source(), LinkOption.NOFOLLOW_LINKS)) {
                throw new JobStartException("volume source " + v.source() + " does not exist", "volume " + v.source(), "ENOENT",
                        false, null);
            }
            ops.add(MountOp.bind(v.source().toString(), v.target(), !v.writable()));
        }
        for (MemoryVolume m : spec.memoryVolumes()) {
            ops.add(MountOp.tmpfs(m.target(), "mode=0755,size=" + m.size().bytes() + ",nr_inodes="
                    + JobSpec.inodesFor(m.size()) + id.ownerOptions()));
        }
        return ops;
    }

    /** Each top-level entry of the tree read-only; the helper recreates top-level links as links. */
    private static List<MountOp> directoryRuntime(Runtime runtime, Path root, boolean readOnly) throws JobStartException {
        List<MountOp> ops = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
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
