package dev.joblet.engine;

/**
 * Where a submitted job is in its life: {@code SCHEDULED} or {@code QUEUED}, then {@code STARTING} and
 * {@code RUNNING}, then one of the terminal states {@code FINISHED}, {@code FAILED} or {@code CANCELLED}.
 */
public enum JobState {
    /** Waiting for its start time ({@link SubmitOptions#startAt}); it is not yet considered by the policy. */
    SCHEDULED,
    /** Its start time has come; waiting for the policy to start it. */
    QUEUED,
    /** The policy chose it and its resources are held; the sandbox is being built. */
    STARTING,
    /** Its command runs. */
    RUNNING,
    /** It ran and ended, for whatever reason; {@link JobHandle#result()} says how. */
    FINISHED,
    /** It could not be started; {@link JobStatus#failure()} says why. */
    FAILED,
    /** It was cancelled (or the engine closed) before it started: it never ran. */
    CANCELLED;

    /** True for FINISHED, FAILED and CANCELLED: nothing of the job runs or waits any more. */
    public boolean isTerminal() {
        return this == FINISHED || this == FAILED || this == CANCELLED;
    }
}
