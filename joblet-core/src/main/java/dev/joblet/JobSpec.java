package dev.joblet;

import dev.joblet.cgroups.IoLimit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What to run and how: immutable, thread-safe and reusable; every {@link #start()} runs a new job.
 * Built by {@link Joblet#builder()}; {@link #toBuilder()} gives a builder to derive a variant.
 */
public final class JobSpec {
    /** Processes a job may have at once unless {@link Builder#pidsMax} says otherwise. */
    public static final long DEFAULT_PIDS_MAX = 1024;
    /**
     * The memory limit of a job unless {@link Builder#memory} or {@link Builder#noMemoryLimit} says otherwise (the
     * seed's cap). It covers the job's kernel memory (inodes, dentries, page tables) and socket buffers too.
     */
    public static final MemorySize DEFAULT_MEMORY = MemorySize.ofMegabytes(512);
    /** The size of {@code /workspace} ({@code /work}) unless {@link Builder#workspaceSize} says otherwise. */
    public static final long DEFAULT_WORKSPACE_MEGABYTES = 256;
    /**
     * The size of {@code /tmp} of a job without a memory limit unless {@link Builder#tmpSize} says otherwise; with a
     * memory limit it is that limit (see {@link Builder#tmpSize}).
     */
    public static final long DEFAULT_TMP_MEGABYTES_UNLIMITED = 1024;
    /**
     * Bytes of a tmpfs's size per inode it may hold unless told otherwise (ext4's default inode ratio), so that
     * empty files cannot take more kernel memory than the size suggests; never fewer than {@link #MIN_INODES}.
     */
    public static final long BYTES_PER_INODE = 16 * 1024;
    /** The fewest inodes a tmpfs gets from {@link #BYTES_PER_INODE}. */
    public static final long MIN_INODES = 1024;
    /**
     * The most inodes {@code /tmp} gets from its size unless {@link Builder#tmpInodes} says otherwise (as many as the
     * default {@code /work}): /tmp is as large as the memory limit by default, and empty files cost kernel memory a
     * job without a memory cgroup would hold unbounded.
     */
    public static final long DEFAULT_TMP_INODES_MAX = 16384;

    /**
     * Pseudo-terminals a job may hold at once unless {@link Builder#ptysMax} says otherwise: the {@code max=} of its
     * own devpts instance. Every instance draws on one kernel pool ({@code kernel.pty.max} minus
     * {@code kernel.pty.reserve}: 3,072 by default); 64 is what a terminal multiplexer with dozens of windows or a
     * test suite driving programs through pexpect needs, and 2% of that pool.
     */
    public static final int DEFAULT_PTYS_MAX = 64;
    /** The size of a {@code tty(true)} job's terminal unless {@link Builder#tty(int, int)} gives one. */
    public static final int DEFAULT_TTY_ROWS = 24, DEFAULT_TTY_COLUMNS = 80;

    static final MemorySize MIN_MEMORY = MemorySize.ofMegabytes(4);
    /**
     * The smallest size of a job's tmpfs ({@code /tmp}, {@code /work}, a writable layer): 1 MiB, as the job's own root
     * tmpfs. The kernel rounds a tmpfs's size up to whole pages, so a few bytes would still be one page, which holds
     * one small file and nothing an ordinary tool writes (a shell's here-document, an editor's swap file, pip's build
     * directory); 1 MiB is also the smallest size rnx's unitless sizes (megabytes) can say.
     */
    public static final MemorySize MIN_TMPFS_SIZE = MemorySize.ofMegabytes(1);
    /**
     * The most a job's command and environment may take together, in bytes, each string counted as the helper's
     * config message carries it (4 bytes of length and its UTF-8 bytes; {@code NAME=value} for a variable): 768 KiB
     * of the message's 1 MiB, the rest being for mounts, cgroups and the seccomp filter. (The kernel's own limit, a
     * quarter of the stack limit, is 2 MiB with the usual 8 MiB stack.)
     */
    public static final int MAX_ARGS_AND_ENV_BYTES = 768 * 1024;
    /** The kernel's limit on one argument or environment string, NUL included (MAX_ARG_STRLEN). */
    public static final int MAX_ARG_BYTES = 128 * 1024;
    /** The kernel's largest pids.max (PID_MAX_LIMIT on 64-bit). */
    public static final long MAX_PIDS = 4L * 1024 * 1024;

    final List<String> command;
    final Map<String, String> env;
    final JobRuntime runtime;
    final String workdir;
    final @Nullable String hostname;
    final int cpuPercent;
    final @Nullable MemorySize memory;
    final @Nullable CpuSet cpus;
    final long pidsMax;
    final boolean memoryAsked, pidsMaxAsked; // set by the caller (see RootlessDefaults), not the defaults
    final int ptysMax;
    final long ioBps;
    final int cpuWeight;
    final @Nullable MemorySize memoryHigh;
    final List<IoLimit> ioLimits;
    final Network network;
    final Map<Integer, Integer> published;
    final List<Volume> volumes;
    final List<MemoryVolume> memoryVolumes;
    final @Nullable Duration timeout;
    final Duration stopGrace;
    final byte @Nullable [] stdin;
    final boolean tty;
    final int ttyRows;
    final int ttyColumns;
    final boolean init;
    final MemorySize workspaceSize;
    final @Nullable MemorySize tmpSize; // null: the default (see tmpSize())
    /** As set; null: from the size (see {@link #inodesFor}). */
    final @Nullable Long workspaceInodes;
    final @Nullable Long tmpInodes;
    final MemorySize outputBuffer;
    final Security security;
    final List<Upload> uploads;
    final boolean retainWorkspace;
    final @Nullable MemorySize writableLayer;
    final @Nullable Path logSpill;

    private JobSpec(Builder b) {
        if (b.command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        if (b.command.get(0).isEmpty()) {
            throw new IllegalArgumentException("command (\"\") must name a program");
        }
        this.command = List.copyOf(b.command);
        this.env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        SpecProcessOptions.checkArgsAndEnvSize(command, env);
        this.runtime = b.runtime;
        this.workdir = b.workdir;
        this.hostname = b.hostname;
        this.cpuPercent = b.cpuPercent;
        this.memory = b.memory;
        this.cpus = b.cpus;
        this.pidsMax = b.pidsMax;
        this.memoryAsked = b.memoryAsked;
        this.pidsMaxAsked = b.pidsMaxAsked;
        this.ioBps = b.ioBps;
        this.cpuWeight = b.cpuWeight;
        this.memoryHigh = b.memoryHigh;
        this.ioLimits = List.copyOf(b.ioLimits);
        this.network = b.network;
        this.published = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.published));
        if (!published.isEmpty() && !(network instanceof PrivateNetwork)) {
            throw new IllegalArgumentException("publish (" + published.keySet().iterator().next() + ") needs a private"
                    + " network: network is " + network);
        }
        this.volumes = List.copyOf(b.volumes);
        this.memoryVolumes = List.copyOf(b.memoryVolumes);
        this.timeout = b.timeout;
        this.stopGrace = b.stopGrace;
        this.stdin = b.stdin == null ? null : b.stdin.clone();
        this.tty = b.tty;
        this.ttyRows = b.ttyRows;
        this.ttyColumns = b.ttyColumns;
        this.init = b.init;
        this.ptysMax = b.ptysMax;
        if (tty && ptysMax == 0) {
            throw new IllegalArgumentException("ptysMax (0) leaves no pty for the terminal of a tty(true) job");
        }
        this.workspaceSize = b.workspaceSize;
        this.tmpSize = b.tmpSize;
        this.workspaceInodes = b.workspaceInodes;
        this.tmpInodes = b.tmpInodes;
        this.outputBuffer = b.outputBuffer;
        this.security = b.security;
        if (network instanceof PrivateNetwork && security.rootInUserNamespace()) {
            // Joining a network namespace owned by the host's user namespace needs CAP_SYS_ADMIN there, which a
            // job inside its own user namespace does not have.
            throw new IllegalArgumentException("network (" + network.name() + ") cannot be combined with"
                    + " rootInUserNamespace(): a private network's namespace belongs to the host's user namespace");
        }
        this.uploads = List.copyOf(b.uploads);
        this.retainWorkspace = b.retainWorkspace;
        this.writableLayer = b.writableLayer;
        if (writableLayer != null && runtime.isHost()) {
            throw new IllegalArgumentException("writableLayer (" + writableLayer + ") needs a named or directory runtime, "
                    + "not the host's");
        }
        long needed = 0;
        for (Upload u : uploads) {
            needed += u.check();
        }
        if (needed > workspaceSize.bytes()) {
            throw new IllegalArgumentException("uploads (" + MemorySize.ofBytes(needed) + ") exceed workspaceSize ("
                    + workspaceSize + ")");
        }
        this.logSpill = b.logSpill;
    }

    /** Starts a new job from this spec; see {@link Builder#start()}. */
    public Job start() throws JobletException {
        return Joblet.system().start(this);
    }

    /**
     * Starts a new job from this spec on {@link Joblet#system()} under {@code id} instead of a new random one; see
     * {@link Joblet#start(JobSpec, JobId)}.
     */
    public Job start(JobId id) throws JobletException {
        return Joblet.system().start(this, id);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public List<String> command() {
        return command;
    }

    /** The variables the spec sets; the job also gets PATH, HOME and TERM defaults when these are unset. */
    public Map<String, String> env() {
        return env;
    }

    public JobRuntime runtime() {
        return runtime;
    }

    public String workdir() {
        return workdir;
    }

    public Optional<String> hostname() {
        return Optional.ofNullable(hostname);
    }

    /** CPU limit in percent of one core; empty when unlimited. */
    public OptionalInt cpuPercent() {
        return cpuPercent > 0 ? OptionalInt.of(cpuPercent) : OptionalInt.empty();
    }

    /** The memory limit: {@link #DEFAULT_MEMORY} unless set; empty after {@link Builder#noMemoryLimit()}. */
    public Optional<MemorySize> memory() {
        return Optional.ofNullable(memory);
    }

    public Optional<CpuSet> cpus() {
        return Optional.ofNullable(cpus);
    }

    /** Maximum number of processes; 0 when unlimited. */
    public long pidsMax() {
        return pidsMax;
    }

    /** The most pseudo-terminals the job may hold at once, its terminal included; see {@link Builder#ptysMax}. */
    public int ptysMax() {
        return ptysMax;
    }

    /** IO bandwidth limit in bytes per second (read and write) on the workspace's device; 0 when unlimited. */
    public long ioBps() {
        return ioBps;
    }

    /** Relative CPU weight (1-10000, the cgroup v2 scale; 100 is the kernel's default); empty when unset. */
    public OptionalInt cpuWeight() {
        return cpuWeight > 0 ? OptionalInt.of(cpuWeight) : OptionalInt.empty();
    }

    /** The memory use above which the kernel throttles and reclaims (v2 memory.high; v1 soft limit). */
    public Optional<MemorySize> memoryHigh() {
        return Optional.ofNullable(memoryHigh);
    }

    /** Per-device IO limits. */
    public List<IoLimit> ioLimits() {
        return ioLimits;
    }

    public Network network() {
        return network;
    }

    /** Published ports: the job's port to the port on the host's 127.0.0.1 (0: any free port). */
    public Map<Integer, Integer> published() {
        return published;
    }

    /** Size-limited tmpfs volumes. */
    public List<MemoryVolume> memoryVolumes() {
        return memoryVolumes;
    }

    public List<Volume> volumes() {
        return volumes;
    }

    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** How long a stop waits after SIGTERM before SIGKILL. */
    public Duration stopGrace() {
        return stopGrace;
    }

    /** Whether the job's stdin, stdout and stderr are a pseudo-terminal; see {@link Builder#tty(boolean)}. */
    public boolean tty() {
        return tty;
    }

    public Optional<byte[]> stdin() {
        return stdin == null ? Optional.empty() : Optional.of(stdin.clone());
    }

    public MemorySize workspaceSize() {
        return workspaceSize;
    }

    /** Whether a minimal init is the job's PID 1 and the command PID 2; see {@link Builder#init(boolean)}. */
    public boolean init() {
        return init;
    }

    /** The size of {@code /tmp}: as set, else the memory limit, else {@value #DEFAULT_TMP_MEGABYTES_UNLIMITED} MiB. */
    public MemorySize tmpSize() {
        if (tmpSize != null) {
            return tmpSize;
        }
        return memory != null ? memory : MemorySize.ofMegabytes(DEFAULT_TMP_MEGABYTES_UNLIMITED);
    }

    /** Most files, directories and links {@code /work} may hold (tmpfs {@code nr_inodes}); 0 when unbounded. */
    public long workspaceInodes() {
        return workspaceInodes == null ? inodesFor(workspaceSize) : workspaceInodes;
    }

    /** Most files, directories and links {@code /tmp} may hold (tmpfs {@code nr_inodes}); 0 when unbounded. */
    public long tmpInodes() {
        return tmpInodes == null ? Math.min(DEFAULT_TMP_INODES_MAX, inodesFor(tmpSize())) : tmpInodes;
    }

    /** The inodes a tmpfs of {@code size} gets by default: one per {@link #BYTES_PER_INODE}, at least {@link #MIN_INODES}. */
    static long inodesFor(MemorySize size) {
        return Math.max(MIN_INODES, size.bytes() / BYTES_PER_INODE);
    }

    public MemorySize outputBuffer() {
        return outputBuffer;
    }

    /** Who the job runs as and what it may do: see {@link Security} for the defaults. */
    public Security security() {
        return security;
    }

    /** Files copied into /work before the job starts. */
    public List<Upload> uploads() {
        return uploads;
    }

    /** Whether /work is kept on the host, readable through {@link Job#workspace()} after the end (uploads imply it). */
    public boolean retainsWorkspace() {
        return retainWorkspace || !uploads.isEmpty();
    }

    /** The size of the writable layer over the runtime, when the job has one. */
    public Optional<MemorySize> writableLayer() {
        return Optional.ofNullable(writableLayer);
    }

    /** Where the job's whole log is spilled (in a per-job directory below it), if asked; see {@link Builder#logSpill}. */
    public Optional<Path> logSpill() {
        return Optional.ofNullable(logSpill);
    }

    /** True when the spec asks for any cgroup limit (the pids limit counts: it is on by default). */
    boolean needsCgroup() {
        return cpuPercent > 0 || memory != null || cpus != null || pidsMax > 0 || ioBps > 0 || cpuWeight > 0
                || memoryHigh != null || !ioLimits.isEmpty();
    }

    @Override
    public String toString() {
        // The command line can hold secrets: only the program name is shown.
        return "JobSpec{" + command.get(0) + " (+" + (command.size() - 1) + " args), runtime=" + runtime + "}";
    }

    /**
     * Builds a {@link JobSpec}. Not thread-safe. Every setter checks its argument at once and throws
     * {@link IllegalArgumentException} naming the field and the bad value. The setters are declared in
     * {@code SpecProcessOptions} (what runs, resource limits) and {@code SpecSandboxOptions} (network, files,
     * timing, privileges, logs), package-private halves that keep the files short.
     */
    public static final class Builder extends SpecSandboxOptions {
        Builder() {}

        private Builder(JobSpec s) {
            super(s);
        }

        public JobSpec build() {
            return new JobSpec(this);
        }

        /** Builds the spec and starts a job from it. */
        public Job start() throws JobletException {
            return build().start();
        }
    }
}
