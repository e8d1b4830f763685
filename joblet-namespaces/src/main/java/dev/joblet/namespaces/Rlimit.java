package dev.joblet.namespaces;

/**
 * One resource limit of a {@link LaunchRequest}: {@code resource} is the kernel's RLIMIT_* number; -1 is
 * RLIM_INFINITY.
 */
public record Rlimit(int resource, long soft, long hard) {}
