package dev.joblet.cgroups;

import dev.joblet.cgroups.internal.Drivers;
import java.nio.file.Path;
import java.util.Set;

/**
 * Creates job cgroups on this host. Thread-safe.
 *
 * <p>Where jobs go. With {@link #detect()}, under this process's own cgroup in each hierarchy it uses (read
 * from {@code /proc/self/cgroup}): {@code <own>/joblet/jvm-<pid>-<starttime>-<pidns>/<name>}, where the
 * middle directory names the owning JVM (pid, start time from {@code /proc/<pid>/stat} field 22, and the pid
 * namespace inode) so that {@link #sweepStale()} can tell a crashed JVM's leftovers from a live one's. With
 * {@link #forRoot(Path)}, under the given directory: {@code <root>/jvm-.../<name>}. Nothing is ever written
 * outside that subtree, except on pure v2 as described next.
 *
 * <p>The "no internal processes" rule of cgroup v2. Controllers can only be enabled in a cgroup's
 * {@code cgroup.subtree_control} when the cgroup holds no process (the root excepted). When this JVM sits in
 * a cgroup that holds processes (a systemd service, a session scope) and a controller must be enabled below
 * it, the driver first moves every process of that cgroup (this JVM, and whatever else the service runs
 * there) into a leaf {@code <own>/joblet-jvm}: the processes stay under the same parent, so the limits that
 * applied to them still do. Then it enables {@code +cpu +memory +pids +io +cpuset} (those offered) in
 * {@code <own>}, {@code <own>/joblet} and the JVM's directory. A delegated root given to
 * {@link #forRoot(Path)} is treated the same way.
 *
 * <p>On v1 and hybrid hosts a job joins one cgroup per v1 hierarchy it uses (cpu, cpuacct, memory, pids,
 * blkio, plus cpuset when pinned and freezer for kill on pure v1) and, on hybrid, the unified hierarchy,
 * whose {@code cgroup.kill} kills it.
 */
public interface CgroupDriver extends AutoCloseable {

    /** The driver for this process, from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. */
    static CgroupDriver detect() throws CgroupException {
        return Drivers.detect();
    }

    /** A v2 driver that creates jobs under {@code delegatedRoot}, a cgroup v2 directory this process may manage. */
    static CgroupDriver forRoot(Path delegatedRoot) throws CgroupException {
        return Drivers.forRoot(delegatedRoot);
    }

    /**
     * What keeps {@code root} from being a root for {@link #forRoot(Path)}, if anything: it must be an existing
     * directory of the cgroup v2 hierarchy, at or under this process's own cgroup there. Reads
     * {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}; writes nothing.
     *
     * @return what is wrong, as the end of a sentence whose subject is the root ("is not a directory"), or empty
     */
    static java.util.Optional<String> rootProblem(Path root) {
        return java.util.Optional.ofNullable(Drivers.delegatedRootProblem(root));
    }

    /**
     * As {@link #detect()}, for detached jobs: their cgroups go in {@code <own>/joblet/detached/<name>} (a directory
     * named for no JVM, so that {@link #sweepStale()} of any driver leaves them alone: the supervisor of each such job
     * removes its cgroup when the job ends). Its {@link #sweepStale()} is any driver's (dead JVMs' job cgroups).
     */
    static CgroupDriver detectDetached() throws CgroupException {
        return Drivers.detectDetached();
    }

    /** As {@link #forRoot(Path)}, for detached jobs: {@code <delegatedRoot>/detached/<name>}. */
    static CgroupDriver forRootDetached(Path delegatedRoot) throws CgroupException {
        return Drivers.forRootDetached(delegatedRoot);
    }

    /**
     * Reads, without changing anything, the usage of a job whose cgroup directories are {@code dirs} (as a job's
     * {@link JobCgroup} had them: one v2 directory, or one per v1 hierarchy plus the hybrid unified one), made by
     * another process perhaps (a detached job's). A v2 directory is told by its {@code cgroup.controllers}, a v1
     * hierarchy by its controllers' files. Directories that are gone count as unknown (-1).
     */
    static CgroupStats statsOf(java.util.List<Path> dirs) {
        return dev.joblet.cgroups.internal.DirStats.read(dev.joblet.cgroups.internal.NioCgroupFs.INSTANCE, dirs);
    }

    CgroupLayout layout();

    /** The controllers jobs can use: mounted, and enabled or enableable under this process's cgroup. */
    Set<Controller> availableControllers();

    /** Human-readable description of the layout, directories and controllers (for {@code rnx doctor}). */
    String describe();

    /**
     * Creates a job cgroup and writes its limits. The name must match {@code [A-Za-z0-9_.-]{1,64}} and not be
     * {@code "."} or {@code ".."}. Fails, leaving nothing behind, when a required controller is missing (the
     * message names it and the layout), the name is in use, or the kernel refuses a limit.
     */
    JobCgroup create(String name, CgroupLimits limits) throws CgroupException;

    /**
     * Removes job cgroups left by JVMs that are gone (their pid is dead or now belongs to another process),
     * killing what still runs in them. Touches nothing outside the driver's {@code joblet} directory and never a
     * live JVM's cgroups. Returns the number of job cgroups removed.
     */
    int sweepStale();

    /** Removes this JVM's (empty) owner directories; job cgroups still in use are left alone. Idempotent. */
    @Override
    void close();
}
