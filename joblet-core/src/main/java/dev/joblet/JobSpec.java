package dev.joblet;

import dev.joblet.internal.Args;
import dev.joblet.internal.HostFacts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
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
    /**
     * Bytes of a tmpfs's size per inode it may hold unless told otherwise (ext4's default inode ratio), so that
     * empty files cannot take more kernel memory than the size suggests; never fewer than {@link #MIN_INODES}.
     */
    public static final long BYTES_PER_INODE = 16 * 1024;
    /** The fewest inodes a tmpfs gets from {@link #BYTES_PER_INODE}. */
    public static final long MIN_INODES = 1024;

    /**
     * Pseudo-terminals a job may hold at once unless {@link Builder#ptysMax} says otherwise: the {@code max=} of its
     * own devpts instance. Every instance draws on one kernel pool ({@code kernel.pty.max} minus
     * {@code kernel.pty.reserve}: 3,072 by default); 64 is what a terminal multiplexer with dozens of windows or a
     * test suite driving programs through pexpect needs, and 2% of that pool.
     */
    public static final int DEFAULT_PTYS_MAX = 64;

    static final MemorySize MIN_MEMORY = MemorySize.ofMegabytes(4);
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
    private static final Pattern ENV_NAME = Pattern.compile("[^=\\x00]+");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private final List<String> command;
    private final Map<String, String> env;
    private final JobRuntime runtime;
    private final String workdir;
    private final @Nullable String hostname;
    private final int cpuPercent;
    private final @Nullable MemorySize memory;
    private final @Nullable CpuSet cpus;
    private final long pidsMax;
    private final int ptysMax;
    private final long ioBps;
    private final int cpuWeight;
    private final @Nullable MemorySize memoryHigh;
    private final List<IoLimit> ioLimits;
    private final Network network;
    private final Map<Integer, Integer> published;
    private final List<Volume> volumes;
    private final List<MemoryVolume> memoryVolumes;
    private final @Nullable Duration timeout;
    private final Duration stopGrace;
    private final byte @Nullable [] stdin;
    private final boolean tty;
    private final MemorySize workspaceSize;
    private final MemorySize tmpSize;
    /** As set; null: from the size (see {@link #inodesFor}). */
    private final @Nullable Long workspaceInodes;
    private final @Nullable Long tmpInodes;
    private final MemorySize outputBuffer;
    private final Security security;
    private final List<Upload> uploads;
    private final boolean retainWorkspace;
    private final @Nullable MemorySize writableLayer;
    private final @Nullable Path logSpill;

    private JobSpec(Builder b) {
        if (b.command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        if (b.command.get(0).isEmpty()) {
            throw new IllegalArgumentException("command (\"\") must name a program");
        }
        this.command = List.copyOf(b.command);
        this.env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        checkArgsAndEnvSize(command, env);
        this.runtime = b.runtime;
        this.workdir = b.workdir;
        this.hostname = b.hostname;
        this.cpuPercent = b.cpuPercent;
        this.memory = b.memory;
        this.cpus = b.cpus;
        this.pidsMax = b.pidsMax;
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
        this.ptysMax = b.ptysMax;
        if (tty && ptysMax == 0) {
            throw new IllegalArgumentException("ptysMax (0) leaves no pty for the terminal of a tty(true) job");
        }
        this.workspaceSize = b.workspaceSize;
        this.tmpSize = b.tmpSize;
        this.workspaceInodes = b.workspaceInodes;
        this.tmpInodes = b.tmpInodes;
        this.outputBuffer = b.outputBuffer;
        this.security = b.security.build();
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

    /**
     * The command and the environment must fit in the helper's message and in what execve takes: each string at most
     * {@link #MAX_ARG_BYTES}, all of them together at most {@link #MAX_ARGS_AND_ENV_BYTES}.
     */
    private static void checkArgsAndEnvSize(List<String> command, Map<String, String> env) {
        long total = 0;
        for (int i = 0; i < command.size(); i++) {
            long n = utf8Length(command.get(i));
            if (n + 1 > MAX_ARG_BYTES) {
                throw new IllegalArgumentException("command element " + i + " (" + (n + 1) + " bytes with its NUL) exceeds"
                        + " the kernel's limit of " + MAX_ARG_BYTES + " bytes per argument (MAX_ARG_STRLEN)");
            }
            total += 4 + n;
        }
        if (total > MAX_ARGS_AND_ENV_BYTES) {
            throw new IllegalArgumentException("command (" + total + " bytes in " + command.size() + " arguments) exceeds"
                    + " the limit of " + MAX_ARGS_AND_ENV_BYTES + " bytes for a job's command and environment (the"
                    + " helper's config message holds 1 MiB)");
        }
        long envTotal = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            long n = utf8Length(e.getKey()) + 1 + utf8Length(e.getValue());
            if (n + 1 > MAX_ARG_BYTES) {
                throw new IllegalArgumentException("env " + e.getKey() + " (" + (n + 1) + " bytes with its NUL) exceeds the"
                        + " kernel's limit of " + MAX_ARG_BYTES + " bytes per variable (MAX_ARG_STRLEN)");
            }
            envTotal += 4 + n;
        }
        if (total + envTotal > MAX_ARGS_AND_ENV_BYTES) {
            throw new IllegalArgumentException("env (" + envTotal + " bytes in " + env.size() + " variables, with "
                    + total + " bytes of command) exceeds the limit of " + MAX_ARGS_AND_ENV_BYTES
                    + " bytes for a job's command and environment (the helper's config message holds 1 MiB)");
        }
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Starts a new job from this spec on {@link Joblet#system()}; see {@link Builder#start()}. */
    public Job start() throws JobletException {
        return Joblet.system().start(this);
    }

    /**
     * Starts a new job from this spec on {@link Joblet#system()} under {@code id} instead of a new random one; see
     * {@link Joblet#start(JobSpec, String)}.
     *
     * @throws IllegalArgumentException when {@code id} is not a UUID in its canonical form (36 characters)
     */
    public Job start(String id) throws JobletException {
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

    public MemorySize tmpSize() {
        return tmpSize;
    }

    /** Most files, directories and links {@code /work} may hold (tmpfs {@code nr_inodes}); 0 when unbounded. */
    public long workspaceInodes() {
        return workspaceInodes == null ? inodesFor(workspaceSize) : workspaceInodes;
    }

    /** Most files, directories and links {@code /tmp} may hold (tmpfs {@code nr_inodes}); 0 when unbounded. */
    public long tmpInodes() {
        return tmpInodes == null ? inodesFor(tmpSize) : tmpInodes;
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
     * {@link IllegalArgumentException} naming the field and the bad value.
     */
    public static final class Builder {
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private JobRuntime runtime = JobRuntime.host();
        private String workdir = "/work";
        private @Nullable String hostname;
        private int cpuPercent;
        private @Nullable MemorySize memory = DEFAULT_MEMORY;
        private @Nullable CpuSet cpus;
        private long pidsMax = DEFAULT_PIDS_MAX;
        private int ptysMax = DEFAULT_PTYS_MAX;
        private long ioBps;
        private int cpuWeight;
        private @Nullable MemorySize memoryHigh;
        private final List<IoLimit> ioLimits = new ArrayList<>();
        private Network network = Network.NONE;
        private final Map<Integer, Integer> published = new LinkedHashMap<>();
        private final List<Volume> volumes = new ArrayList<>();
        private final List<MemoryVolume> memoryVolumes = new ArrayList<>();
        private @Nullable Duration timeout;
        private Duration stopGrace = Duration.ofSeconds(2);
        private byte @Nullable [] stdin;
        private boolean tty;
        private MemorySize workspaceSize = MemorySize.ofMegabytes(256);
        private MemorySize tmpSize = MemorySize.ofMegabytes(64);
        private @Nullable Long workspaceInodes;
        private @Nullable Long tmpInodes;
        private MemorySize outputBuffer = MemorySize.ofMegabytes(8);
        private Security.Builder security = Security.DEFAULTS.toBuilder();
        private final List<Upload> uploads = new ArrayList<>();
        private boolean retainWorkspace;
        private @Nullable MemorySize writableLayer;
        private @Nullable Path logSpill;

        Builder() {}

        private Builder(JobSpec s) {
            command.addAll(s.command);
            env.putAll(s.env);
            runtime = s.runtime;
            workdir = s.workdir;
            hostname = s.hostname;
            cpuPercent = s.cpuPercent;
            memory = s.memory;
            cpus = s.cpus;
            pidsMax = s.pidsMax;
            ptysMax = s.ptysMax;
            ioBps = s.ioBps;
            cpuWeight = s.cpuWeight;
            memoryHigh = s.memoryHigh;
            ioLimits.addAll(s.ioLimits);
            network = s.network;
            published.putAll(s.published);
            volumes.addAll(s.volumes);
            memoryVolumes.addAll(s.memoryVolumes);
            timeout = s.timeout;
            stopGrace = s.stopGrace;
            stdin = s.stdin;
            tty = s.tty;
            workspaceSize = s.workspaceSize;
            tmpSize = s.tmpSize;
            workspaceInodes = s.workspaceInodes;
            tmpInodes = s.tmpInodes;
            outputBuffer = s.outputBuffer;
            security = s.security.toBuilder();
            uploads.addAll(s.uploads);
            retainWorkspace = s.retainWorkspace;
            writableLayer = s.writableLayer;
            logSpill = s.logSpill;
        }

        /** The program and its arguments; the program is looked up in the job's PATH inside the runtime. */
        public Builder command(String... argv) {
            return command(Arrays.asList(Args.nonNull(argv, "command")));
        }

        public Builder command(List<String> argv) {
            Args.nonNull(argv, "command");
            List<String> copy = new ArrayList<>(argv.size());
            for (String a : argv) {
                Args.nonNull(a, "command element " + copy.size());
                if (a.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("command element (" + a.replace('\0', '?') + ") contains NUL");
                }
                copy.add(a);
            }
            if (copy.isEmpty()) {
                throw new IllegalArgumentException("command must not be empty");
            }
            if (copy.get(0).isEmpty()) {
                throw new IllegalArgumentException("command (\"\") must name a program");
            }
            command.clear();
            command.addAll(copy);
            return this;
        }

        public Builder runtime(JobRuntime value) {
            runtime = Args.nonNull(value, "runtime");
            return this;
        }

        /** Sets one environment variable. The JVM's own environment is never passed on. */
        public Builder env(String name, String value) {
            Args.nonNull(name, "env name");
            Args.nonNull(value, "env value of " + name);
            if (!ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("env name (" + name.replace('\0', '?') + ") must be non-empty and contain neither '=' nor NUL");
            }
            if (value.indexOf('\0') >= 0) {
                // The value is not shown: environment values often hold secrets.
                throw new IllegalArgumentException("env value of " + name + " (" + value.length() + " characters) contains"
                        + " NUL at index " + value.indexOf('\0'));
            }
            env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> vars) {
            Args.nonNull(vars, "env");
            vars.forEach(this::env);
            return this;
        }

        /** The working directory inside the job (default {@code /work}, the writable workspace). */
        public Builder workdir(String path) {
            Args.nonNull(path, "workdir");
            if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("workdir (" + path.replace('\0', '?') + ") must be an absolute path");
            }
            workdir = path;
            return this;
        }

        /** The job's hostname (default: {@code job-} and the first 8 characters of its id). */
        public Builder hostname(String name) {
            Args.nonNull(name, "hostname");
            if (!HOSTNAME.matcher(name).matches()) {
                throw new IllegalArgumentException("hostname (" + name + ") must be 1-63 letters, digits or '-', not starting or ending with '-'");
            }
            hostname = name;
            return this;
        }

        /** CPU limit in percent of one core: 50 is half a core, 200 two cores. */
        public Builder cpu(int percent) {
            int max = 100 * HostFacts.onlineCpus();
            if (percent <= 0 || percent > max) {
                throw new IllegalArgumentException("cpu (" + percent + "%) must be between 1 and " + max + " (100 per CPU of this machine)");
            }
            cpuPercent = percent;
            return this;
        }

        /**
         * The job's memory limit (default {@link #DEFAULT_MEMORY}): above it the kernel OOM-kills the job. Its kernel
         * memory and socket buffers count too.
         */
        public Builder memory(MemorySize limit) {
            Args.nonNull(limit, "memory");
            if (limit.compareTo(MIN_MEMORY) < 0) {
                throw new IllegalArgumentException("memory (" + limit + ") must be at least " + MIN_MEMORY);
            }
            memory = limit;
            return this;
        }

        /**
         * Lifts the memory limit ({@link #DEFAULT_MEMORY} unless set): the job may use the memory of the program that
         * runs it. A job without any limit ({@code pidsMax(0)} too) runs without a cgroup.
         */
        public Builder noMemoryLimit() {
            memory = null;
            return this;
        }

        /** Pins the job to these CPUs, e.g. {@code "0-3"} or {@code "1,3,5"}; they must be CPUs this process may use. */
        public Builder cpus(String list) {
            return cpus(CpuSet.parse(Args.nonNull(list, "cpus")));
        }

        public Builder cpus(CpuSet set) {
            Args.nonNull(set, "cpus");
            CpuSet allowed = HostFacts.allowedCpus();
            if (!set.isSubsetOf(allowed)) {
                throw new IllegalArgumentException("cpus (" + set + ") must be among the CPUs this process may use: " + allowed);
            }
            cpus = set;
            return this;
        }

        /** Maximum number of processes at once (default {@value #DEFAULT_PIDS_MAX}); 0 removes the limit. */
        public Builder pidsMax(long max) {
            if (max < 0 || max > MAX_PIDS) {
                throw new IllegalArgumentException("pidsMax (" + max + ") must be between 0 (no limit) and " + MAX_PIDS
                        + " (the kernel's PID_MAX_LIMIT)");
            }
            pidsMax = max;
            return this;
        }

        /**
         * The most pseudo-terminals the job may hold at once (default {@value #DEFAULT_PTYS_MAX}; a {@link #tty} job's
         * own terminal is one of them): the {@code max=} of the job's own devpts instance, so that a job cannot take
         * the pool every job's devpts draws on ({@code kernel.pty.max}). Opening one more fails inside the job with
         * ENOSPC. 0 (no pty at all) is refused for a tty job; at most 1,048,576 (the kernel's NR_UNIX98_PTY_MAX), and
         * never more than the kernel's pool has left.
         */
        public Builder ptysMax(int max) {
            if (max < 0 || max > dev.joblet.namespaces.MountOp.MAX_PTYS) {
                throw new IllegalArgumentException("ptysMax (" + max + ") must be 0-" + dev.joblet.namespaces.MountOp.MAX_PTYS);
            }
            ptysMax = max;
            return this;
        }

        /** IO bandwidth limit, bytes per second for reads and for writes, on the device backing the workspace. */
        public Builder ioBps(long bytesPerSecond) {
            if (bytesPerSecond <= 0) {
                throw new IllegalArgumentException("ioBps (" + bytesPerSecond + ") must be positive");
            }
            ioBps = bytesPerSecond;
            return this;
        }

        /** Relative CPU weight against other jobs, 1-10000 (100 = the kernel's default share). */
        public Builder cpuWeight(int weight) {
            if (weight < 1 || weight > 10_000) {
                throw new IllegalArgumentException("cpuWeight (" + weight + ") must be between 1 and 10000");
            }
            cpuWeight = weight;
            return this;
        }

        /** A soft memory limit: above it the kernel throttles and reclaims the job's memory (no OOM kill). */
        public Builder memoryHigh(MemorySize limit) {
            Args.nonNull(limit, "memoryHigh");
            if (limit.compareTo(MIN_MEMORY) < 0) {
                throw new IllegalArgumentException("memoryHigh (" + limit + ") must be at least " + MIN_MEMORY);
            }
            memoryHigh = limit;
            return this;
        }

        /** Bandwidth/IOPS limits on one block device, e.g. {@code io(IoLimit.device("/dev/vda").writeBps(2 << 20))}. */
        public Builder io(IoLimit limit) {
            Args.nonNull(limit, "io");
            if (limit.limitsNothing()) {
                throw new IllegalArgumentException("io (" + limit + ") limits nothing: set a bandwidth or IOPS value");
            }
            for (IoLimit l : ioLimits) {
                if (l.major() == limit.major() && l.minor() == limit.minor()) {
                    throw new IllegalArgumentException("io (" + limit + ") repeats device " + l.major() + ":" + l.minor());
                }
            }
            ioLimits.add(limit);
            return this;
        }

        public Builder network(Network value) {
            network = Args.nonNull(value, "network");
            return this;
        }

        /**
         * Publishes the job's TCP {@code jobPort} on the host's loopback, {@code 127.0.0.1:hostPort} (0: any free
         * port; {@link Job#publishedPort} tells which). Needs a {@link PrivateNetwork}. Repeatable.
         */
        public Builder publish(int jobPort, int hostPort) {
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
            return this;
        }

        /** Makes a host path visible at {@code target}, read-only. */
        public Builder volume(Path source, String target) {
            volumes.add(new Volume(source, target, false));
            return this;
        }

        /** An empty tmpfs of at most {@code size} at {@code target}, writable by the job, gone with it. */
        public Builder memoryVolume(String target, MemorySize size) {
            memoryVolumes.add(new MemoryVolume(target, size));
            return this;
        }

        public Builder volume(Volume volume) {
            volumes.add(Args.nonNull(volume, "volume"));
            return this;
        }

        /**
         * Stops the job (reason TIMED_OUT) when it runs longer than this. A timeout beyond
         * {@link Args#FOREVER about 292 years} is taken as that (in practice: none); it never fails after the start.
         */
        public Builder timeout(Duration value) {
            Args.nonNull(value, "timeout");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("timeout (" + value + ") must be positive");
            }
            timeout = Args.saturated(value);
            return this;
        }

        /**
         * How long a stop (or timeout) waits after SIGTERM before SIGKILL (default 2 s). A grace beyond about 292 years
         * is taken as that.
         */
        public Builder stopGrace(Duration value) {
            Args.nonNull(value, "stopGrace");
            if (value.isNegative()) {
                throw new IllegalArgumentException("stopGrace (" + value + ") must not be negative");
            }
            stopGrace = Args.saturated(value);
            return this;
        }

        /**
         * Gives the job a pseudo-terminal as stdin, stdout and stderr (its controlling terminal), for interactive
         * programs such as {@code top}: output then arrives on {@link Job#stdout()} only (with terminal line
         * endings), and {@link Job#terminalInput()} types into it. {@link #stdin(byte[])} bytes, if any, are typed
         * first.
         */
        public Builder tty(boolean value) {
            tty = value;
            return this;
        }

        /** Bytes fed to the job's stdin, then EOF. Without it the job's stdin is /dev/null. */
        public Builder stdin(byte[] data) {
            stdin = Args.nonNull(data, "stdin").clone();
            return this;
        }

        /** Size limit of the writable workspace {@code /work} (a tmpfs; default 256 MiB). */
        public Builder workspaceSize(MemorySize size) {
            Args.nonNull(size, "workspaceSize");
            if (size.bytes() <= 0) {
                throw new IllegalArgumentException("workspaceSize (" + size + ") must be positive");
            }
            workspaceSize = size;
            return this;
        }

        /**
         * Most files, directories and links {@code /work} may hold (default: one per {@value #BYTES_PER_INODE} bytes
         * of {@link #workspaceSize}, at least {@value #MIN_INODES}); 0 removes the bound (then only the memory limit
         * bounds what empty files cost). Beyond it, creating a file fails with ENOSPC.
         */
        public Builder workspaceInodes(long max) {
            if (max < 0) {
                throw new IllegalArgumentException("workspaceInodes (" + max + ") must not be negative");
            }
            workspaceInodes = max;
            return this;
        }

        /** As {@link #workspaceInodes}, for {@code /tmp} (default from {@link #tmpSize}). */
        public Builder tmpInodes(long max) {
            if (max < 0) {
                throw new IllegalArgumentException("tmpInodes (" + max + ") must not be negative");
            }
            tmpInodes = max;
            return this;
        }

        /** Size limit of {@code /tmp} (a tmpfs; default 64 MiB). */
        public Builder tmpSize(MemorySize size) {
            Args.nonNull(size, "tmpSize");
            if (size.bytes() <= 0) {
                throw new IllegalArgumentException("tmpSize (" + size + ") must be positive");
            }
            tmpSize = size;
            return this;
        }

        /** Bytes of stdout and of stderr kept per job (default 8 MiB each; the log keeps twice that); older output is dropped. */
        public Builder outputBuffer(MemorySize size) {
            Args.nonNull(size, "outputBuffer");
            if (size.bytes() < 4096 || size.bytes() > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("outputBuffer (" + size + ") must be between 4 KiB and 1 GiB");
            }
            outputBuffer = size;
            return this;
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
        public Builder user(int uid, int gid) {
            security.user(uid, gid);
            return this;
        }

        /**
         * Runs the job as the host's real root with every capability, no seccomp filter and no no_new_privs, like
         * {@code docker run --privileged}. Its namespaces, read-only root and cgroup limits still apply, but code
         * running this way can get out of them: only for trusted steps (the library uses it to build runtimes with
         * mmdebstrap, which needs root). Fails at start in rootless mode.
         */
        public Builder privileged() {
            security.privileged();
            return this;
        }

        /**
         * Root inside the job, in a new user namespace whose root is the job's own host uid and gid (allocated as for
         * any job, see {@link Security#ownIdentity()}).
         */
        public Builder rootInUserNamespace() {
            security.rootInUserNamespace();
            return this;
        }

        /**
         * Root inside the job, in a new user namespace whose root is the given unprivileged host ids (never 0).
         * Capabilities are still dropped unless {@link #capabilities} keeps some; they are then capabilities over
         * the job's own namespaces only. A JVM that is not root maps the job's root to its own ids instead.
         */
        public Builder rootInUserNamespace(int hostUid, int hostGid) {
            security.rootInUserNamespace(hostUid, hostGid);
            return this;
        }

        /** Capabilities the job keeps (default: none, every set emptied). */
        public Builder capabilities(Capability... keep) {
            Args.nonNull(keep, "capabilities");
            java.util.Set<Capability> set = new java.util.LinkedHashSet<>();
            for (int i = 0; i < keep.length; i++) {
                set.add(Args.nonNull(keep[i], "capabilities element " + i));
            }
            security.capabilities(set);
            return this;
        }

        /** The seccomp policy (default {@link SeccompPolicy#defaults()}; {@link SeccompPolicy#disabled()} for none). */
        public Builder seccomp(SeccompPolicy policy) {
            security.seccomp(policy);
            return this;
        }

        /** Whether no_new_privs is set (default true: setuid binaries and file capabilities do not elevate). */
        public Builder noNewPrivileges(boolean value) {
            security.noNewPrivileges(value);
            return this;
        }

        /**
         * Copies a file, a directory or bytes into /work before the start. {@link #build()} checks the sources
         * (no link in a source's path; links inside are copied as links) and that they fit in {@link #workspaceSize}.
         */
        public Builder upload(Upload upload) {
            uploads.add(Args.nonNull(upload, "upload"));
            return this;
        }

        /**
         * Whether /proc is hardened (default true): kcore, keys, timer_list, sysrq-trigger, kallsyms and similar
         * are masked, acpi and scsi hidden, /proc/sys, bus, fs and irq read-only.
         */
        public Builder hardenedProc(boolean value) {
            security.hardenedProc(value);
            return this;
        }

        /** A resource limit (defaults: NOFILE 1024/4096, CORE 0/0); {@link ResourceLimit#UNLIMITED} for none. */
        public Builder rlimit(ResourceLimit resource, long soft, long hard) {
            security.rlimit(resource, soft, hard);
            return this;
        }

        /**
         * Keeps /work on the host so that {@link Job#workspace()} can read it after the end, until the job is
         * closed. Uploads imply it.
         */
        public Builder retainWorkspace(boolean value) {
            retainWorkspace = value;
            return this;
        }

        /**
         * Gives the job a writable layer over its (named or directory) runtime: it may change any file of its root
         * (e.g. {@code pip install}), up to {@code size}; the changes go with the job and the runtime on disk never
         * changes.
         */
        public Builder writableLayer(MemorySize size) {
            Args.nonNull(size, "writableLayer");
            if (size.bytes() <= 0) {
                throw new IllegalArgumentException("writableLayer (" + size + ") must be positive");
            }
            writableLayer = size;
            return this;
        }

        /**
         * Also writes the job's whole log to disk, in two files with no name (mode 0600) in the directory
         * {@code parent}, which {@link Job#close()} closes and the kernel then frees (also when the JVM dies):
         * subscribers from any offset, 0 included, then get every byte (from the file once memory no longer holds
         * it) and never a gap. The directory's filesystem bounds it.
         */
        public Builder logSpill(Path parent) {
            Args.nonNull(parent, "logSpill");
            if (!parent.isAbsolute()) {
                throw new IllegalArgumentException("logSpill (" + parent + ") must be an absolute path");
            }
            logSpill = parent;
            return this;
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
