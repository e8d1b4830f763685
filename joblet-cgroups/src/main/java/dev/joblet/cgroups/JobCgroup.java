package dev.joblet.cgroups;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** One job's cgroup (one directory per hierarchy it uses). Thread-safe. */
public interface JobCgroup {

    String name();

    /**
     * Every {@code cgroup.procs} file a job process must join, in order: one on v2; on v1 one per hierarchy
     * used, plus the unified one on hybrid hosts.
     */
    List<Path> procsFiles();

    /** The v2 directory (for {@code clone3(CLONE_INTO_CGROUP)}); empty on v1 and hybrid hosts. */
    Optional<Path> v2Directory();

    /**
     * The files a <em>single-threaded</em> process writes {@code "0"} to in order to join this cgroup, in the
     * cheapest form the kernel offers: the {@code tasks} file of each v1 hierarchy (moving only the calling thread,
     * the kernel skips the global lock whose writers may wait out an RCU grace period, milliseconds on an idle
     * machine), and {@code cgroup.procs} in a cgroup2 hierarchy. Default: {@link #procsFiles()}.
     */
    default List<Path> joinFiles() {
        return procsFiles();
    }

    /**
     * The cgroup2 directory a new process can be placed into as it is made ({@code clone3(CLONE_INTO_CGROUP)}, no
     * RCU wait): the v2 directory, or on hybrid hosts the job's directory in the unified hierarchy. A process cloned
     * into it joins the remaining {@link #joinFiles()} itself. Default: {@link #v2Directory()}.
     */
    default Optional<Path> cloneIntoDirectory() {
        return v2Directory();
    }

    CgroupStats stats() throws CgroupException;

    /**
     * Writes {@code limits} into this cgroup after it was created (empty) ahead of its job, e.g. by a pool of
     * prepared cgroups. Fails when a controller the limits need is not among this cgroup's hierarchies, or the
     * driver does not support it (the default: v2 enables controllers per limit at creation).
     */
    default void applyLimits(CgroupLimits limits) throws CgroupException {
        throw new CgroupException("applyLimits: not supported by " + getClass().getSimpleName());
    }

    /**
     * Renames the directories of this cgroup to {@code newName} (same parents) and returns the renamed cgroup; this
     * object must not be used afterwards. On hybrid hosts the unified hierarchy's directory keeps its name (cgroup2
     * does not rename). For cgroups prepared ahead under a placeholder name. Fails, leaving the
     * names as they were, when a directory cannot be renamed (the default: not supported).
     */
    default JobCgroup renamed(String newName) throws CgroupException {
        throw new CgroupException("rename: not supported by " + getClass().getSimpleName());
    }

    /** Whether any process is left in it (or in a cgroup below it). */
    boolean isPopulated();

    /**
     * Kills every process in it: {@code cgroup.kill} on v2 and hybrid; freeze, SIGKILL each pid, thaw on v1.
     * Waits (at most about 2 s) until it is empty and fails if it is not.
     */
    void kill() throws CgroupException;

    /** Kills what is left, then removes every directory (children first). Idempotent. */
    void remove() throws CgroupException;
}
