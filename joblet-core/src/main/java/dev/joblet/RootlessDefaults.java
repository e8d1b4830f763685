package dev.joblet;

import dev.joblet.internal.HostFacts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a job's defaults become in a JVM that is not root and may not create cgroups (no delegated cgroup): the
 * default pids and memory limits, which need a cgroup, are replaced by resource limits the kernel enforces without
 * one, and a limit the caller asked for is refused, naming it and what is missing. Stateless.
 *
 * <p>The replacements, exactly:
 * <ul>
 * <li>pids ({@value JobSpec#DEFAULT_PIDS_MAX}): {@code RLIMIT_NPROC} of the same number, set inside the job's own
 * user namespace (every rootless job has one, made by the helper for that job alone). Since Linux 5.14 the kernel
 * counts {@code RLIMIT_NPROC} per user namespace and uid ({@code ucounts}): the job's processes and threads count
 * against it, the caller's other processes do not, and neither do other jobs'. The caller's own limit still bounds
 * the total of its uid, as always. On older kernels the count is per host uid, so the limit is the number of tasks
 * the caller's uid has at the start plus {@value JobSpec#DEFAULT_PIDS_MAX}: a bound on the job only while the
 * caller's other processes stay as they were.</li>
 * <li>memory ({@link JobSpec#DEFAULT_MEMORY}): {@code RLIMIT_DATA} of the same size per process (private writable
 * memory: heap, anonymous maps, thread stacks; not shared memory nor page cache), so a job of n processes is bounded
 * by n times that, n being at most the pids replacement; and {@code /tmp} keeps the size it has with the default
 * memory limit ({@link JobSpec#DEFAULT_MEMORY}) instead of growing to the size of a job without one.</li>
 * </ul>
 * A {@code rlimit(NPROC, ...)} or {@code rlimit(DATA, ...)} the caller gave wins over the replacement.
 */
final class RootlessDefaults {
    /** Where SECURITY.md says how an administrator delegates a cgroup to a user. */
    static final String DELEGATION_DOC = "docs/SECURITY.md#limits-in-rootless-mode-delegating-a-cgroup-to-the-user";

    private RootlessDefaults() {}

    /**
     * {@code spec} as it can run in a rootless JVM that cannot create cgroups ({@code cgroupProblem} says why):
     * unchanged when it asks for no cgroup limit, its defaults replaced when only defaults need one.
     *
     * @throws JobStartException when the caller asked for a limit only a cgroup enforces; the message names each
     */
    static JobSpec adapt(JobSpec spec, String cgroupProblem) throws JobStartException {
        if (!spec.needsCgroup()) {
            return spec;
        }
        List<String> asked = asked(spec);
        if (!asked.isEmpty()) {
            String what = String.join(", ", asked) + (asked.size() == 1 ? " limit" : " limits");
            throw new JobStartException("no delegated cgroup: the limits asked for cannot be enforced: the " + what
                    + (asked.size() == 1 ? " needs" : " need") + " a cgroup this JVM (uid " + HostFacts.euid() + ") may write (a delegated cgroup v2 subtree, or"
                    + " v1 directories given to this user), and " + cgroupProblem + "; run the JVM in a cgroup delegated to"
                    + " this user (cgroup v2 with systemd: 'systemd-run --user --scope -p Delegate=yes java ...'; see "
                    + DELEGATION_DOC + "), or leave the " + what + " out (the default pids and memory limits are then"
                    + " replaced by RLIMIT_NPROC and RLIMIT_DATA)", "create cgroup", "EACCES", false, null);
        }
        JobSpec.Builder b = spec.toBuilder();
        b.pidsMax = 0;
        b.memory = null;
        if (spec.pidsMax > 0 && !spec.security().rlimits().containsKey(ResourceLimit.NPROC)) {
            long n = nprocLimit(spec.pidsMax);
            b.security = b.security.rlimit(ResourceLimit.NPROC, n, n);
        }
        MemorySize memory = spec.memory;
        if (memory != null) {
            if (!spec.security().rlimits().containsKey(ResourceLimit.DATA)) {
                b.security = b.security.rlimit(ResourceLimit.DATA, memory.bytes(), memory.bytes());
            }
            if (spec.tmpSize == null) {
                b.tmpSize = memory; // what /tmp is with the memory limit, not the size of an unlimited job's
            }
        }
        return b.build();
    }

    /** The cgroup limits the caller set itself, by name as the builder calls them; empty when only defaults. */
    static List<String> asked(JobSpec spec) {
        List<String> asked = new ArrayList<>();
        if (spec.memoryAsked && spec.memory != null) {
            asked.add("memory");
        }
        if (spec.pidsMaxAsked && spec.pidsMax > 0) {
            asked.add("pids");
        }
        if (spec.cpuPercent > 0) {
            asked.add("cpu");
        }
        if (spec.cpuWeight > 0) {
            asked.add("cpuWeight");
        }
        if (spec.memoryHigh != null) {
            asked.add("memoryHigh");
        }
        if (spec.ioBps > 0 || !spec.ioLimits.isEmpty()) {
            asked.add("io");
        }
        if (spec.cpus != null) {
            asked.add("cpus");
        }
        return asked;
    }

    /**
     * The {@code RLIMIT_NPROC} that lets a job have {@code pids} tasks: {@code pids} where the kernel counts per user
     * namespace (5.14 and later), else the caller's uid's current task count plus {@code pids}.
     */
    static long nprocLimit(long pids) {
        return countsPerUserNamespace() ? pids : tasksOfRealUid() + pids;
    }

    /** Whether this kernel counts RLIMIT_NPROC per user namespace and uid (ucounts, Linux 5.14). */
    static boolean countsPerUserNamespace() {
        return atLeast(System.getProperty("os.version", ""), 5, 14);
    }

    /** Whether the release {@code version} ("6.18.0-1-amd64") is at least {@code major.minor}. */
    static boolean atLeast(String version, int major, int minor) {
        String[] p = version.split("[^0-9]+", 3);
        try {
            int ma = Integer.parseInt(p[0]);
            int mi = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return false; // unknown: the bound that holds on any kernel
        }
    }

    /** Threads of every process whose real uid is this process's (what RLIMIT_NPROC counts per host uid). */
    private static long tasksOfRealUid() {
        String self = realUid(Path.of("/proc/self/status"));
        long n = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try (DirectoryStream<Path> tasks = Files.newDirectoryStream(p.resolve("task"))) {
                    if (self != null && self.equals(realUid(p.resolve("status")))) {
                        for (Path ignored : tasks) {
                            n++;
                        }
                    }
                } catch (IOException e) {
                    // gone meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return n;
    }

    private static @Nullable String realUid(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).strip().split("\\s+")[0];
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** What a default job gets here, default by default, for checkEnvironment() and rnx doctor. */
    static EnvironmentCheck check(boolean rootless, @Nullable String cgroupProblem) {
        String name = "default job";
        String common = "; these hold: network none (a namespace of its own with lo only), /tmp a " + JobSpec.DEFAULT_MEMORY
                + " tmpfs, the default seccomp filter, no capabilities, a read-only root";
        if (!rootless) {
            return new EnvironmentCheck(name, EnvironmentCheck.Status.OK, "every default holds: pids "
                    + JobSpec.DEFAULT_PIDS_MAX + " and memory " + JobSpec.DEFAULT_MEMORY + " by the job's cgroup, a host"
                    + " identity of its own, warm supervisors for the first jobs" + common, "");
        }
        String rootlessCommon = common + "; replaced: a host identity of its own by this JVM's uid (nobody inside; see"
                + " 'host identity per job'); not used: the warm pool (every rootless job starts cold, in a user namespace"
                + " of its own); detached jobs' state: $XDG_RUNTIME_DIR/joblet (java.io.tmpdir/joblet-<uid> without it)";
        if (cgroupProblem == null) {
            return new EnvironmentCheck(name, EnvironmentCheck.Status.OK, "rootless in a cgroup this user may write: pids "
                    + JobSpec.DEFAULT_PIDS_MAX + " and memory " + JobSpec.DEFAULT_MEMORY + " by the job's cgroup, as every"
                    + " limit asked for" + rootlessCommon, "");
        }
        String nproc = countsPerUserNamespace()
                ? "RLIMIT_NPROC " + JobSpec.DEFAULT_PIDS_MAX + " counted in the job's own user namespace (only the job's"
                        + " processes and threads count, not this user's others)"
                : "RLIMIT_NPROC of this user's task count at the start + " + JobSpec.DEFAULT_PIDS_MAX + " (this kernel,"
                        + " older than 5.14, counts per host uid: a bound only while this user's other processes stay)";
        return new EnvironmentCheck(name, EnvironmentCheck.Status.LIMITED, "rootless without a cgroup of its own ("
                + cgroupProblem + "): a default job starts, with the pids limit " + JobSpec.DEFAULT_PIDS_MAX + " replaced by "
                + nproc + " and the memory limit " + JobSpec.DEFAULT_MEMORY + " by RLIMIT_DATA " + JobSpec.DEFAULT_MEMORY
                + " per process (so at most that times the process count per job); a limit asked for (memory, pids, cpu,"
                + " cpuWeight, memoryHigh, io, cpus) is refused" + rootlessCommon,
                "for cgroup limits run the JVM in a cgroup delegated to this user ('systemd-run --user --scope -p"
                        + " Delegate=yes java ...'; see " + DELEGATION_DOC + ")");
    }
}
