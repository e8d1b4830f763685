package dev.joblet;

import dev.joblet.cgroups.IoLimit;
import dev.joblet.internal.Args;
import dev.joblet.internal.HostFacts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The first half of {@link JobSpec.Builder}: its state, what runs (command, environment, runtime, working directory,
 * hostname) and the job's resource limits, each setter checking its argument at once. Split from {@link JobSpec} only
 * to keep files short; users see these methods on {@link JobSpec.Builder}. Not thread-safe.
 */
abstract class SpecProcessOptions {
    private static final Pattern ENV_NAME = Pattern.compile("[^=\\x00]+");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    // The builder's state (read by JobSpec's constructor); the setters of both halves write it.
    final List<String> command = new ArrayList<>();
    final Map<String, String> env = new LinkedHashMap<>();
    JobRuntime runtime = JobRuntime.host();
    String workdir = "/work";
    @Nullable String hostname;
    int cpuPercent;
    @Nullable MemorySize memory = JobSpec.DEFAULT_MEMORY;
    @Nullable CpuSet cpus;
    long pidsMax = JobSpec.DEFAULT_PIDS_MAX;
    /** Whether memory(...) or pidsMax(...) was called: a limit asked for is enforced or refused, never replaced. */
    boolean memoryAsked, pidsMaxAsked;
    int ptysMax = JobSpec.DEFAULT_PTYS_MAX;
    long ioBps;
    int cpuWeight;
    @Nullable MemorySize memoryHigh;
    final List<IoLimit> ioLimits = new ArrayList<>();
    Network network = Network.NONE;
    final Map<Integer, Integer> published = new LinkedHashMap<>();
    final List<Volume> volumes = new ArrayList<>();
    final List<MemoryVolume> memoryVolumes = new ArrayList<>();
    @Nullable Duration timeout;
    Duration stopGrace = Duration.ofSeconds(2);
    byte @Nullable [] stdin;
    boolean tty;
    int ttyRows = JobSpec.DEFAULT_TTY_ROWS;
    int ttyColumns = JobSpec.DEFAULT_TTY_COLUMNS;
    boolean init;
    MemorySize workspaceSize = MemorySize.ofMegabytes(JobSpec.DEFAULT_WORKSPACE_MEGABYTES);
    @Nullable MemorySize tmpSize;
    @Nullable Long workspaceInodes;
    @Nullable Long tmpInodes;
    MemorySize outputBuffer = MemorySize.ofMegabytes(8);
    Security security = Security.DEFAULTS;
    final List<Upload> uploads = new ArrayList<>();
    boolean retainWorkspace;
    @Nullable MemorySize writableLayer;
    @Nullable Path logSpill;

    SpecProcessOptions() {}

    /** A builder holding every value of {@code s}. */
    SpecProcessOptions(JobSpec s) {
        command.addAll(s.command);
        env.putAll(s.env);
        runtime = s.runtime;
        workdir = s.workdir;
        hostname = s.hostname;
        cpuPercent = s.cpuPercent;
        memory = s.memory;
        cpus = s.cpus;
        pidsMax = s.pidsMax;
        memoryAsked = s.memoryAsked;
        pidsMaxAsked = s.pidsMaxAsked;
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
        ttyRows = s.ttyRows;
        ttyColumns = s.ttyColumns;
        init = s.init;
        workspaceSize = s.workspaceSize;
        tmpSize = s.tmpSize;
        workspaceInodes = s.workspaceInodes;
        tmpInodes = s.tmpInodes;
        outputBuffer = s.outputBuffer;
        security = s.security;
        uploads.addAll(s.uploads);
        retainWorkspace = s.retainWorkspace;
        writableLayer = s.writableLayer;
        logSpill = s.logSpill;
    }

    /** This builder, as the type its setters return. */
    final JobSpec.Builder self() {
        return (JobSpec.Builder) this;
    }

    /** The program and its arguments; the program is looked up in the job's PATH inside the runtime. */
    public JobSpec.Builder command(String... argv) {
        return command(Arrays.asList(Args.nonNull(argv, "command")));
    }

    public JobSpec.Builder command(List<String> argv) {
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
        return self();
    }

    public JobSpec.Builder runtime(JobRuntime value) {
        runtime = Args.nonNull(value, "runtime");
        return self();
    }

    /** Sets one environment variable. The JVM's own environment is never passed on. */
    public JobSpec.Builder env(String name, String value) {
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
        return self();
    }

    public JobSpec.Builder env(Map<String, String> vars) {
        Args.nonNull(vars, "env");
        vars.forEach(this::env);
        return self();
    }

    /** The working directory inside the job (default {@code /work}, the writable workspace). */
    public JobSpec.Builder workdir(String path) {
        Args.nonNull(path, "workdir");
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("workdir (" + path.replace('\0', '?') + ") must be an absolute path");
        }
        workdir = path;
        return self();
    }

    /** The job's hostname (default: {@code job-} and the first 8 characters of its id). */
    public JobSpec.Builder hostname(String name) {
        Args.nonNull(name, "hostname");
        if (!HOSTNAME.matcher(name).matches()) {
            throw new IllegalArgumentException("hostname (" + name + ") must be 1-63 letters, digits or '-', not starting or ending with '-'");
        }
        hostname = name;
        return self();
    }

    /** CPU limit in percent of one core: 50 is half a core, 200 two cores. */
    public JobSpec.Builder cpu(int percent) {
        int max = 100 * HostFacts.onlineCpus();
        if (percent <= 0 || percent > max) {
            throw new IllegalArgumentException("cpu (" + percent + "%) must be between 1 and " + max + " (100 per CPU of this machine)");
        }
        cpuPercent = percent;
        return self();
    }

    /**
     * The job's memory limit (default {@link JobSpec#DEFAULT_MEMORY}): above it the kernel OOM-kills the job. Its kernel
     * memory and socket buffers count too.
     */
    public JobSpec.Builder memory(MemorySize limit) {
        memory = Args.atLeast("memory", limit, JobSpec.MIN_MEMORY);
        memoryAsked = true;
        return self();
    }

    /**
     * Lifts the memory limit ({@link JobSpec#DEFAULT_MEMORY} unless set): the job may use the memory of the program that
     * runs it. A job without any limit ({@code pidsMax(0)} too) runs without a cgroup.
     */
    public JobSpec.Builder noMemoryLimit() {
        memory = null;
        return self();
    }

    /** Pins the job to these CPUs, e.g. {@code "0-3"} or {@code "1,3,5"}; they must be CPUs this process may use. */
    public JobSpec.Builder cpus(String list) {
        return cpus(CpuSet.parse(Args.nonNull(list, "cpus")));
    }

    public JobSpec.Builder cpus(CpuSet set) {
        Args.nonNull(set, "cpus");
        CpuSet allowed = HostFacts.allowedCpus();
        if (!set.isSubsetOf(allowed)) {
            throw new IllegalArgumentException("cpus (" + set + ") must be among the CPUs this process may use: " + allowed);
        }
        cpus = set;
        return self();
    }

    /** Maximum number of processes at once (default {@value JobSpec#DEFAULT_PIDS_MAX}); 0 removes the limit. */
    public JobSpec.Builder pidsMax(long max) {
        if (max < 0 || max > JobSpec.MAX_PIDS) {
            throw new IllegalArgumentException("pidsMax (" + max + ") must be between 0 (no limit) and " + JobSpec.MAX_PIDS
                    + " (the kernel's PID_MAX_LIMIT)");
        }
        pidsMax = max;
        pidsMaxAsked = true;
        return self();
    }

    /**
     * The most pseudo-terminals the job may hold at once (default {@value JobSpec#DEFAULT_PTYS_MAX}; a {@link #tty} job's
     * own terminal is one of them): the {@code max=} of the job's own devpts instance, so that a job cannot take
     * the pool every job's devpts draws on ({@code kernel.pty.max}). Opening one more fails inside the job with
     * ENOSPC. 0 (no pty at all) is refused for a tty job; at most 1,048,576 (the kernel's NR_UNIX98_PTY_MAX), and
     * never more than the kernel's pool has left.
     */
    public JobSpec.Builder ptysMax(int max) {
        if (max < 0 || max > dev.joblet.namespaces.MountOp.MAX_PTYS) {
            throw new IllegalArgumentException("ptysMax (" + max + ") must be 0-" + dev.joblet.namespaces.MountOp.MAX_PTYS);
        }
        ptysMax = max;
        return self();
    }

    /** IO bandwidth limit, bytes per second for reads and for writes, on the device backing the workspace. */
    public JobSpec.Builder ioBps(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("ioBps (" + bytesPerSecond + ") must be positive");
        }
        ioBps = bytesPerSecond;
        return self();
    }

    /** Relative CPU weight against other jobs, 1-10000 (100 = the kernel's default share). */
    public JobSpec.Builder cpuWeight(int weight) {
        cpuWeight = Args.between("cpuWeight", weight, 1, 10_000);
        return self();
    }

    /** A soft memory limit: above it the kernel throttles and reclaims the job's memory (no OOM kill). */
    public JobSpec.Builder memoryHigh(MemorySize limit) {
        memoryHigh = Args.atLeast("memoryHigh", limit, JobSpec.MIN_MEMORY);
        return self();
    }

    /** Bandwidth/IOPS limits on one block device, e.g. {@code io(IoLimit.device("/dev/vda").writeBps(2 << 20))}. */
    public JobSpec.Builder io(IoLimit limit) {
        Args.nonNull(limit, "io").requireSomeRate("io");
        for (IoLimit l : ioLimits) {
            if (l.major() == limit.major() && l.minor() == limit.minor()) {
                throw new IllegalArgumentException("io (" + limit + ") repeats device " + l.major() + ":" + l.minor());
            }
        }
        ioLimits.add(limit);
        return self();
    }

    /**
     * The command and the environment must fit in the helper's message and in what execve takes: each string at most
     * {@link JobSpec#MAX_ARG_BYTES}, all of them together at most {@link JobSpec#MAX_ARGS_AND_ENV_BYTES}.
     */
    static void checkArgsAndEnvSize(List<String> command, Map<String, String> env) {
        long total = 0;
        for (int i = 0; i < command.size(); i++) {
            long n = utf8Length(command.get(i));
            if (n + 1 > JobSpec.MAX_ARG_BYTES) {
                throw new IllegalArgumentException("command element " + i + " (" + (n + 1) + " bytes with its NUL) exceeds"
                        + " the kernel's limit of " + JobSpec.MAX_ARG_BYTES + " bytes per argument (MAX_ARG_STRLEN)");
            }
            total += 4 + n;
        }
        if (total > JobSpec.MAX_ARGS_AND_ENV_BYTES) {
            throw new IllegalArgumentException("command (" + total + " bytes in " + command.size() + " arguments) exceeds"
                    + " the limit of " + JobSpec.MAX_ARGS_AND_ENV_BYTES + " bytes for a job's command and environment (the"
                    + " helper's config message holds 1 MiB)");
        }
        long envTotal = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            long n = utf8Length(e.getKey()) + 1 + utf8Length(e.getValue());
            if (n + 1 > JobSpec.MAX_ARG_BYTES) {
                throw new IllegalArgumentException("env " + e.getKey() + " (" + (n + 1) + " bytes with its NUL) exceeds the"
                        + " kernel's limit of " + JobSpec.MAX_ARG_BYTES + " bytes per variable (MAX_ARG_STRLEN)");
            }
            envTotal += 4 + n;
        }
        if (total + envTotal > JobSpec.MAX_ARGS_AND_ENV_BYTES) {
            throw new IllegalArgumentException("env (" + envTotal + " bytes in " + env.size() + " variables, with "
                    + total + " bytes of command) exceeds the limit of " + JobSpec.MAX_ARGS_AND_ENV_BYTES
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
}
