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
     * controllers, seccomp, Landlock, overlayfs, whether private networks can be made (root, {@code ip} and
     * {@code nft} on the PATH), and whether each job gets a host identity of its own. Reads files only; starts
     * nothing.
     */
    public static java.util.List<EnvironmentCheck> checkEnvironment() {
        java.util.List<EnvironmentCheck> checks = new java.util.ArrayList<>(
                new dev.joblet.internal.EnvironmentProbe(java.nio.file.Path.of("/proc"), java.nio.file.Path.of("/sys")).run());
        checks.add(Host.identityCheck());
        return java.util.List.copyOf(checks);
    }

    /**
     * Reserves a host uid and gid of the range jobs get their own identities from, for jobs that must share files
     * (pin them with {@code user(id.uid(), id.gid())}); see {@link ReservedIdentity}.
     *
     * @throws java.io.IOException when every id of the range is in use, or its lock directory cannot be used
     */
    public static ReservedIdentity reserveIdentity() throws java.io.IOException {
        return ReservedIdentity.reserve();
    }

    /** A new builder of a {@link JobSpec}; builders are not thread-safe, specs are immutable. */
    public static JobSpec.Builder builder() {
        return new JobSpec.Builder();
    }
}
