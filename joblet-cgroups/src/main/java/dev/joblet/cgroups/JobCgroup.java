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

    CgroupStats stats() throws CgroupException;

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
