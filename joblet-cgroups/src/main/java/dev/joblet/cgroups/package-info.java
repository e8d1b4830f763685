/**
 * Cgroup control as plain file I/O: detect the host's layout (pure cgroup v2, hybrid, v1), create a job's
 * cgroup under this process's own cgroup, write limits, read statistics, kill everything in it and remove it.
 *
 * <p>Entry point: {@link dev.joblet.cgroups.CgroupDriver#detect()}. This package knows nothing about jobs or
 * namespaces; a caller gets the {@code cgroup.procs} files (and, on v2, the directory) a process must join.
 */
@org.jspecify.annotations.NullMarked
package dev.joblet.cgroups;
