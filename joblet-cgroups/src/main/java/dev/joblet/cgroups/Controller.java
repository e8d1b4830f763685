package dev.joblet.cgroups;

/** A resource controller a limit needs. Immutable. */
public enum Controller {
    CPU("cpu", "cpu"),
    CPUSET("cpuset", "cpuset"),
    MEMORY("memory", "memory"),
    /** Block IO: {@code io} on v2, {@code blkio} on v1. */
    IO("io", "blkio"),
    PIDS("pids", "pids");

    private final String v2Name;
    private final String v1Name;

    Controller(String v2Name, String v1Name) {
        this.v2Name = v2Name;
        this.v1Name = v1Name;
    }

    /** The controller's name in {@code cgroup.controllers} on cgroup v2. */
    public String v2Name() {
        return v2Name;
    }

    /** The controller's name as a cgroup v1 mount option and in {@code /proc/self/cgroup}. */
    public String v1Name() {
        return v1Name;
    }
}
