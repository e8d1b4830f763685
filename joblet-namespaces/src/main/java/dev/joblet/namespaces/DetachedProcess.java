package dev.joblet.namespaces;

/**
 * A detached job just started (or scheduled): its PID 1 (0 while scheduled) and its supervisor, in the caller's PID namespace. Nothing of it belongs to
 * the caller: the supervisor is no child of this process and the caller holds none of its descriptors. Immutable.
 */
public record DetachedProcess(int jobPid, int supervisorPid) {
    /** Whether the job waits for its start time (its supervisor waits; no job process yet: {@code jobPid} 0). */
    public boolean scheduled() {
        return jobPid == 0;
    }
}
