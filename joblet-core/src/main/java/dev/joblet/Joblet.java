package dev.joblet;

/**
 * The entry point. {@code Joblet.builder().command("bash", "-c", "ps aux").start()} runs a job in its own
 * PID, mount, UTS, IPC and network namespaces, in a read-only root, with a pids limit; see
 * {@link JobSpec.Builder} for everything a job can ask for.
 */
public final class Joblet {
    private Joblet() {}

    /**
     * What works on this host and what does not, with the fix for each missing piece: root or rootless, user
     * namespaces (and distribution restrictions such as AppArmor's on Ubuntu), cgroup layout and usable
     * controllers, seccomp, Landlock, overlayfs, and whether private networks can be made (root, {@code ip} and
     * {@code nft} on the PATH). Reads files only; starts nothing.
     */
    public static java.util.List<EnvironmentCheck> checkEnvironment() {
        return new dev.joblet.internal.EnvironmentProbe(java.nio.file.Path.of("/proc"), java.nio.file.Path.of("/sys")).run();
    }

    /** A new builder of a {@link JobSpec}; builders are not thread-safe, specs are immutable. */
    public static JobSpec.Builder builder() {
        return new JobSpec.Builder();
    }
}
