package dev.joblet.cgroups.internal;

import java.util.OptionalLong;

/** What the drivers need to know about processes. Implementations are thread-safe. */
public interface ProcessTable {

    /** This process's pid. */
    long selfPid();

    /** The start time (clock ticks after boot, {@code /proc/<pid>/stat} field 22), empty if no such process. */
    OptionalLong startTime(long pid);

    /** The inode of this process's pid namespace, or 0 when unknown. */
    long pidNamespace();

    /** Sends SIGKILL to {@code pid}; false if it no longer exists. */
    boolean kill(long pid);
}
