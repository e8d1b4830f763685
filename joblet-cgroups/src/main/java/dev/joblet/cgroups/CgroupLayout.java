package dev.joblet.cgroups;

/** How the host mounts its cgroup hierarchies. Immutable. */
public enum CgroupLayout {
    /** Pure cgroup v2: one unified hierarchy holding every controller. */
    V2,
    /** v1 controller hierarchies plus a cgroup2 hierarchy (used for {@code cgroup.kill} and events only). */
    HYBRID,
    /** v1 controller hierarchies only. */
    V1
}
