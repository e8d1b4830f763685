package dev.joblet.namespaces;

import java.io.IOException;

/**
 * The job's supervisor (the native helper that cloned it) died before it reported how the job ended, e.g. killed
 * from outside. The job was killed with it (its parent-death signal is SIGKILL), so its own exit status is unknown.
 * Completes {@link LaunchedProcess#onExit()} exceptionally once every process of the job is gone. Immutable.
 */
public final class SupervisorDiedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int supervisorPid;
    private final boolean signalled;
    private final int code;

    /**
     * @param signalled the supervisor was killed by a signal (else it exited)
     * @param code the signal number, or the supervisor's exit code
     */
    public SupervisorDiedException(int supervisorPid, int jobPid, boolean signalled, int code) {
        super("the job's supervisor (pid " + supervisorPid + ") " + (signalled ? "was killed by signal " + code
                : "exited with code " + code) + " before it reported the job's end; the job (pid " + jobPid
                + ") was killed with it");
        this.supervisorPid = supervisorPid;
        this.signalled = signalled;
        this.code = code;
    }

    public int supervisorPid() {
        return supervisorPid;
    }

    /** True when the supervisor was killed by a signal; see {@link #code()}. */
    public boolean signalled() {
        return signalled;
    }

    /** The signal that killed the supervisor, or its exit code. */
    public int code() {
        return code;
    }
}
