package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.HelperImage;
import dev.joblet.namespaces.internal.HelperProcess;
import java.io.IOException;

/**
 * Starts jobs through the native helper: posix_spawn (never fork) of a sealed in-memory helper, which
 * clones the job into new namespaces and execs it as PID 1. Thread-safe; one per helper image.
 */
public final class Launcher implements AutoCloseable {
    private static volatile Launcher system;

    private final HelperImage image;

    private Launcher(HelperImage image) {
        this.image = image;
    }

    /** The launcher using the helper bundled in this jar (loaded once). */
    public static Launcher system() throws IOException {
        Launcher l = system;
        if (l == null) {
            synchronized (Launcher.class) {
                l = system;
                if (l == null) {
                    l = new Launcher(HelperImage.bundled());
                    system = l;
                }
            }
        }
        return l;
    }

    /**
     * A launcher of its own using the helper bundled in this jar, for an owner that closes it (a {@code Joblet}
     * instance).
     */
    public static Launcher open() throws IOException {
        return new Launcher(HelperImage.bundled());
    }

    /** Releases what this launcher holds; the jobs it launched are their owners' to close. Idempotent. */
    @Override
    public void close() {}

    /** A launcher running another build of the helper (tests use the fault-injection build). */
    public static Launcher withHelper(byte[] helperImage) throws IOException {
        return new Launcher(HelperImage.of(helperImage));
    }

    /**
     * Spawns a helper ahead of its job (see {@link PreparedLaunch}): it joins {@code cgroupProcsFiles} and, when
     * {@code newNetwork}, a new network namespace now, off the start path. Blocks until it is ready.
     *
     * @throws LaunchException when it cannot join them; nothing of it remains then
     */
    public PreparedLaunch prepare(java.util.List<java.nio.file.Path> cgroupProcsFiles, boolean newNetwork)
            throws IOException {
        return dev.joblet.namespaces.internal.WarmHelper.prepare(image, cgroupProcsFiles, newNetwork);
    }

    /**
     * As {@link #prepare(java.util.List, boolean)}, and the helper also clones the job and builds its root from
     * {@code template} now (mounts, /proc, pivot_root): a launch then sends only the hostname, workdir, argv and env,
     * and the job drops its privileges and execs. For requests equal to {@code template} but in those four.
     */
    public PreparedLaunch prepare(java.util.List<java.nio.file.Path> cgroupProcsFiles, boolean newNetwork,
            LaunchRequest template) throws IOException {
        return dev.joblet.namespaces.internal.WarmHelper.prepare(image, cgroupProcsFiles, newNetwork, template, false);
    }

    /**
     * As {@link #prepare(java.util.List, boolean, LaunchRequest)}; with {@code earlySeccomp} the child also sets the
     * template's hostname and installs its seccomp filter before it waits, so a launch then needs the template's
     * hostname ({@link PreparedLaunch#rootBuiltFor} says so) and the filter must allow {@code read}, {@code write}
     * and {@code chdir}, which the child still makes after the wait.
     */
    public PreparedLaunch prepare(java.util.List<java.nio.file.Path> cgroupProcsFiles, boolean newNetwork,
            LaunchRequest template, boolean earlySeccomp) throws IOException {
        return dev.joblet.namespaces.internal.WarmHelper.prepare(image, cgroupProcsFiles, newNetwork, template,
                earlySeccomp);
    }

    /**
     * Launches a job and returns once its command has been exec'd.
     *
     * @throws LaunchException when a step before exec failed; nothing of the job remains then
     */
    public LaunchedProcess launch(LaunchRequest request, OutputHandler output) throws IOException {
        return HelperProcess.start(image, request, output);
    }
}
