package dev.joblet;

/**
 * The entry point. {@code Joblet.builder().command("bash", "-c", "ps aux").start()} runs a job in its own
 * PID, mount, UTS, IPC and network namespaces, in a read-only root, with a pids limit; see
 * {@link JobSpec.Builder} for everything a job can ask for.
 */
public final class Joblet {
    private Joblet() {}

    /** A new builder of a {@link JobSpec}; builders are not thread-safe, specs are immutable. */
    public static JobSpec.Builder builder() {
        return new JobSpec.Builder();
    }
}
