package dev.joblet;

import dev.joblet.internal.Args;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The second half of {@link JobSpec.Builder}: network, files and volumes, timing, terminal and stdin, the workspace,
 * least privilege (delegating to {@link Security}'s withers), uploads and logs. Split from {@link JobSpec} only to keep
 * files short; users see these methods on {@link JobSpec.Builder}. Not thread-safe.
 */
abstract class SpecSandboxOptions extends SpecProcessOptions {
    SpecSandboxOptions() {}

    SpecSandboxOptions(JobSpec s) {
        super(s);
    }

    public JobSpec.Builder network(Network value) {
        network = Args.nonNull(value, "network");
        return self();
    }

    /**
     * Publishes the job's TCP {@code jobPort} on the host's loopback, {@code 127.0.0.1:hostPort} (0: any free
     * port; {@link Job#publishedPort} tells which). Needs a {@link PrivateNetwork}. Repeatable.
     */
    public JobSpec.Builder publish(int jobPort, int hostPort) {
        if (jobPort < 1 || jobPort > 65535) {
            throw new IllegalArgumentException("publish jobPort (" + jobPort + ") must be 1 to 65535");
        }
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("publish hostPort (" + hostPort + ") must be 0 to 65535");
        }
        if (hostPort != 0 && published.containsValue(hostPort)) {
            throw new IllegalArgumentException("publish hostPort (" + hostPort + ") is already published");
        }
        published.put(jobPort, hostPort);
        return self();
    }

    /** Makes a host path visible at {@code target}, read-only. */
    public JobSpec.Builder volume(Path source, String target) {
        volumes.add(new Volume(source, target, false));
        return self();
    }

    /** An empty tmpfs of at most {@code size} at {@code target}, writable by the job, gone with it. */
    public JobSpec.Builder memoryVolume(String target, MemorySize size) {
        memoryVolumes.add(new MemoryVolume(target, size));
        return self();
    }

    public JobSpec.Builder volume(Volume volume) {
        volumes.add(Args.nonNull(volume, "volume"));
        return self();
    }

    /**
     * Stops the job (reason TIMED_OUT) when it runs longer than this. A timeout beyond
     * {@link Args#FOREVER about 292 years} is taken as that (in practice: none); it never fails after the start.
     */
    public JobSpec.Builder timeout(Duration value) {
        Args.nonNull(value, "timeout");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("timeout (" + value + ") must be positive");
        }
        timeout = Args.saturated(value);
        return self();
    }

    /**
     * How long a stop (or timeout) waits after SIGTERM before SIGKILL (default 2 s). A grace beyond about 292 years
     * is taken as that.
     */
    public JobSpec.Builder stopGrace(Duration value) {
        Args.nonNull(value, "stopGrace");
        if (value.isNegative()) {
            throw new IllegalArgumentException("stopGrace (" + value + ") must not be negative");
        }
        stopGrace = Args.saturated(value);
        return self();
    }

    /**
     * Gives the job a pseudo-terminal as stdin, stdout and stderr (its controlling terminal), for interactive
     * programs such as {@code top}: output then arrives on {@link Job#stdout()} only (with terminal line
     * endings), and {@link Job#terminalInput()} types into it. {@link #stdin(byte[])} bytes, if any, are typed
     * first. The terminal starts {@value JobSpec#DEFAULT_TTY_ROWS} x {@value JobSpec#DEFAULT_TTY_COLUMNS}; see
     * {@link #tty(int, int)} for another size.
     */
    public JobSpec.Builder tty(boolean value) {
        tty = value;
        return self();
    }

    /**
     * {@link #tty(boolean) tty(true)} with a terminal of {@code rows} x {@code columns} (each 1 to 65535), set before
     * the command starts, so its first look at the size (e.g. {@code stty size}) sees it, with or without
     * {@link #init(boolean) init}. {@link Job#resizeTerminal} changes it later.
     */
    public JobSpec.Builder tty(int rows, int columns) {
        ttyRows = Args.between("tty rows", rows, 1, 0xFFFF);
        ttyColumns = Args.between("tty columns", columns, 1, 0xFFFF);
        tty = true;
        return self();
    }

    /**
     * Runs a minimal init as the job's PID 1, with the command as PID 2 (default false: the command is PID 1).
     * The init forwards every signal it gets (TERM, INT, HUP, QUIT, USR1, USR2, WINCH...) to the command, reaps
     * orphaned processes (so a command that never waits for its children leaves no zombies), and ends with the
     * command: the job's exit code or signal is the command's, and the job's other processes die with it. Use it
     * for programs that are not written to be PID 1: as PID 1 a command gets no default action for a signal it
     * does not handle, so a {@link Job#stop(Duration)} SIGTERM is ignored until the grace period ends in SIGKILL. The init
     * runs with the job's ids, seccomp filter and limits; {@code ps} in the job shows it as PID 1 named
     * {@code joblet-init} and the command as PID 2, its child.
     */
    public JobSpec.Builder init(boolean value) {
        init = value;
        return self();
    }

    /** Bytes fed to the job's stdin, then EOF. Without it the job's stdin is /dev/null. */
    public JobSpec.Builder stdin(byte[] data) {
        stdin = Args.nonNull(data, "stdin").clone();
        return self();
    }

    /**
     * Size limit of the writable workspace {@code /work} (a tmpfs; default {@value JobSpec#DEFAULT_WORKSPACE_MEGABYTES}
     * MiB; at least {@link JobSpec#MIN_TMPFS_SIZE}).
     */
    public JobSpec.Builder workspaceSize(MemorySize size) {
        workspaceSize = Args.atLeast("workspaceSize", size, JobSpec.MIN_TMPFS_SIZE);
        return self();
    }

    /**
     * Most files, directories and links {@code /work} may hold (default: one per {@value JobSpec#BYTES_PER_INODE} bytes
     * of {@link #workspaceSize}, at least {@value JobSpec#MIN_INODES}); 0 removes the bound (then only the memory limit
     * bounds what empty files cost). Beyond it, creating a file fails with ENOSPC.
     */
    public JobSpec.Builder workspaceInodes(long max) {
        if (max < 0) {
            throw new IllegalArgumentException("workspaceInodes (" + max + ") must not be negative");
        }
        workspaceInodes = max;
        return self();
    }

    /**
     * As {@link #workspaceInodes}, for {@code /tmp} (default from {@link #tmpSize}, at most
     * {@value JobSpec#DEFAULT_TMP_INODES_MAX}).
     */
    public JobSpec.Builder tmpInodes(long max) {
        if (max < 0) {
            throw new IllegalArgumentException("tmpInodes (" + max + ") must not be negative");
        }
        tmpInodes = max;
        return self();
    }

    /**
     * Size limit of {@code /tmp} (a tmpfs). Default: the job's {@link #memory} limit, or
     * {@value JobSpec#DEFAULT_TMP_MEGABYTES_UNLIMITED} MiB without one. What /tmp holds is memory charged to the job's
     * memory cgroup (tmpfs pages are charged to the cgroup of the process that writes them), so the memory limit
     * bounds /tmp and the job's processes together anyway; a separate, smaller cap only made ordinary tools fail with
     * ENOSPC long before the job ran out of memory. Set a smaller size to keep room for the processes (at least
     * {@link JobSpec#MIN_TMPFS_SIZE}).
     */
    public JobSpec.Builder tmpSize(MemorySize size) {
        tmpSize = Args.atLeast("tmpSize", size, JobSpec.MIN_TMPFS_SIZE);
        return self();
    }

    /** Bytes of stdout and of stderr kept per job (default 8 MiB each; the log keeps twice that); older output is dropped. */
    public JobSpec.Builder outputBuffer(MemorySize size) {
        Args.nonNull(size, "outputBuffer");
        if (size.bytes() < 4096 || size.bytes() > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("outputBuffer (" + size + ") must be between 4 KiB and 1 GiB");
        }
        outputBuffer = size;
        return self();
    }

    // ---- Least privilege: every job gets all of it unless one of these relaxes a part on purpose ----

    /**
     * Pins the uid and gid the job runs as. By default each running job gets a host uid and gid of its own from a
     * reserved range ({@link Security#ownIdentity()}), so that jobs share no per-user kernel limit and no host
     * process of another id can ptrace them; pin one where jobs must share files with each other or with the host
     * (a session's workspace, a shared volume). Jobs pinned to the same ids share that user's kernel limits and can
     * be read by any host process of those ids. Neither may be 0: root inside a job is only given by
     * {@link #rootInUserNamespace()}.
     */
    public JobSpec.Builder user(int uid, int gid) {
        security = security.user(uid, gid);
        return self();
    }

    /**
     * Runs the job as the host's real root with every capability, no seccomp filter and no no_new_privs, like
     * {@code docker run --privileged}. Its namespaces, read-only root and cgroup limits still apply, but code
     * running this way can get out of them: only for trusted steps (the library uses it to build runtimes with
     * mmdebstrap, which needs root). Fails at start in rootless mode.
     */
    public JobSpec.Builder privileged() {
        security = security.privileged();
        return self();
    }

    /**
     * Root inside the job, in a new user namespace whose root is the job's own host uid and gid (allocated as for
     * any job, see {@link Security#ownIdentity()}).
     */
    public JobSpec.Builder rootInUserNamespace() {
        security = security.rootInOwnUserNamespace();
        return self();
    }

    /**
     * Root inside the job, in a new user namespace whose root is the given unprivileged host ids (never 0).
     * Capabilities are still dropped unless {@link #capabilities} keeps some; they are then capabilities over
     * the job's own namespaces only. A JVM that is not root maps the job's root to its own ids instead.
     */
    public JobSpec.Builder rootInUserNamespace(int hostUid, int hostGid) {
        security = security.rootInUserNamespace(hostUid, hostGid);
        return self();
    }

    /** Capabilities the job keeps (default: none, every set emptied). */
    public JobSpec.Builder capabilities(Capability... keep) {
        Args.nonNull(keep, "capabilities");
        java.util.Set<Capability> set = new java.util.LinkedHashSet<>();
        for (int i = 0; i < keep.length; i++) {
            set.add(Args.nonNull(keep[i], "capabilities element " + i));
        }
        security = security.capabilities(set);
        return self();
    }

    /** The seccomp policy (default {@link SeccompPolicy#defaults()}; {@link SeccompPolicy#disabled()} for none). */
    public JobSpec.Builder seccomp(SeccompPolicy policy) {
        security = security.seccomp(policy);
        return self();
    }

    /** Whether no_new_privs is set (default true: setuid binaries and file capabilities do not elevate). */
    public JobSpec.Builder noNewPrivileges(boolean value) {
        security = security.noNewPrivileges(value);
        return self();
    }

    /**
     * Copies a file, a directory or bytes into /work before the start. {@link JobSpec.Builder#build()} checks the sources
     * (no link in a source's path; links inside are copied as links) and that they fit in {@link #workspaceSize}.
     */
    public JobSpec.Builder upload(Upload upload) {
        uploads.add(Args.nonNull(upload, "upload"));
        return self();
    }

    /**
     * Whether /proc is hardened (default true): kcore, keys, timer_list, sysrq-trigger, kallsyms and similar
     * are masked, acpi and scsi hidden, /proc/sys, bus, fs and irq read-only.
     */
    public JobSpec.Builder hardenedProc(boolean value) {
        security = security.hardenedProc(value);
        return self();
    }

    /** A resource limit (defaults: NOFILE 1024/4096, CORE 0/0); {@link ResourceLimit#UNLIMITED} for none. */
    public JobSpec.Builder rlimit(ResourceLimit resource, long soft, long hard) {
        security = security.rlimit(resource, soft, hard);
        return self();
    }

    /**
     * Keeps /work on the host so that {@link Job#workspace()} can read it after the end, until the job is
     * closed. Uploads imply it.
     */
    public JobSpec.Builder retainWorkspace(boolean value) {
        retainWorkspace = value;
        return self();
    }

    /**
     * Gives the job a writable layer over its (named or directory) runtime: it may change any file of its root
     * (e.g. {@code pip install}), up to {@code size} (at least {@link JobSpec#MIN_TMPFS_SIZE}); the changes go with
     * the job and the runtime on disk never changes.
     */
    public JobSpec.Builder writableLayer(MemorySize size) {
        writableLayer = Args.atLeast("writableLayer", size, JobSpec.MIN_TMPFS_SIZE);
        return self();
    }

    /**
     * Also writes the job's whole log to disk, in two files with no name (mode 0600) in the directory
     * {@code parent}, which {@link Job#close()} closes and the kernel then frees (also when the JVM dies):
     * subscribers from any offset, 0 included, then get every byte (from the file once memory no longer holds
     * it) and never a gap. The directory's filesystem bounds it.
     */
    public JobSpec.Builder logSpill(Path parent) {
        Args.nonNull(parent, "logSpill");
        if (!parent.isAbsolute()) {
            throw new IllegalArgumentException("logSpill (" + parent + ") must be an absolute path");
        }
        logSpill = parent;
        return self();
    }
}
