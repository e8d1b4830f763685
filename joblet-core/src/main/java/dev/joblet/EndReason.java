package dev.joblet;

/** Why a job ended. */
public enum EndReason {
    /** PID 1 exited by itself; see {@link JobResult#exitCode()}. */
    EXITED,
    /** PID 1 was killed by a signal that the library did not send; see {@link JobResult#signal()}. */
    SIGNALLED,
    /** The kernel killed the job for exceeding its memory limit. */
    OOM_KILLED,
    /** The job ran longer than its {@code timeout} and was stopped. */
    TIMED_OUT,
    /** The job was stopped by {@link Job#stop} or {@link Job#close}. */
    STOPPED,
    /**
     * The job's supervisor (the small native process that started and watched it) died before it could report the
     * job's end, e.g. killed from outside; the kernel killed the job with it, so neither an exit code nor a signal is
     * known. {@link JobResult#message()} says how the supervisor ended.
     */
    SUPERVISOR_DIED,
    /** The job never ran its command; see {@link JobResult#message()}. */
    FAILED_TO_START
}
