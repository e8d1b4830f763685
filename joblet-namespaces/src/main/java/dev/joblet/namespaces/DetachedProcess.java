package dev.joblet.namespaces;

/**
 * A detached job just started: its PID 1 and its supervisor, in the caller's PID namespace. Nothing of it belongs to
 * the caller: the supervisor is no child of this process and the caller holds none of its descriptors. Immutable.
 */
public record DetachedProcess(int jobPid, int supervisorPid) {}
