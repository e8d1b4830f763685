package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.HelperImage;
import dev.joblet.namespaces.internal.Helpers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts jobs through the native helper: posix_spawn (never fork) of a sealed in-memory helper, which clones the
 * job into new namespaces and execs it as PID 1. Each launcher owns its helper image, one I/O thread (an epoll
 * loop serving every pipe and pidfd of its jobs) and every helper it spawned; {@link #close()} ends them all.
 * Thread-safe.
 */
public final class Launcher implements AutoCloseable {
    private final Helpers helpers;

    private Launcher(Helpers helpers) {
        this.helpers = helpers;
    }

    /** A launcher using the helper bundled in this jar. */
    public static Launcher open() throws IOException {
        return new Launcher(Helpers.open(HelperImage.bundled()));
    }

    /** A launcher running another build of the helper (tests use the fault-injection build). */
    public static Launcher open(byte[] helperImage) throws IOException {
        return new Launcher(Helpers.open(HelperImage.of(helperImage)));
    }

    /**
     * Spawns a helper ahead of its job (see {@link PreparedLaunch}): it joins {@code cgroupProcsFiles} and, when
     * {@code newNetwork}, a new network namespace now, off the start path. Blocks until it is ready.
     *
     * @throws LaunchException when it cannot join them; nothing of it remains then
     * @throws IllegalStateException when this launcher is closed
     */
    public PreparedLaunch prepare(List<Path> cgroupProcsFiles, boolean newNetwork) throws IOException {
        return helpers.prepare(cgroupProcsFiles, newNetwork, null, false);
    }

    /**
     * As {@link #prepare(List, boolean)}, and the helper also clones the job and builds its root from
     * {@code template} now (mounts, /proc, pivot_root): a launch then sends only the hostname, workdir, argv and env,
     * and the job drops its privileges and execs. For requests equal to {@code template} but in those four.
     */
    public PreparedLaunch prepare(List<Path> cgroupProcsFiles, boolean newNetwork, LaunchRequest template)
            throws IOException {
        return helpers.prepare(cgroupProcsFiles, newNetwork, template, false);
    }

    /**
     * As {@link #prepare(List, boolean, LaunchRequest)}; with {@code earlySeccomp} the child also sets the
     * template's hostname and installs its seccomp filter before it waits, so a launch then needs the template's
     * hostname ({@link PreparedLaunch#rootBuiltFor} says so) and the filter must allow {@code read}, {@code write}
     * and {@code chdir}, which the child still makes after the wait.
     */
    public PreparedLaunch prepare(List<Path> cgroupProcsFiles, boolean newNetwork, LaunchRequest template,
            boolean earlySeccomp) throws IOException {
        return helpers.prepare(cgroupProcsFiles, newNetwork, template, earlySeccomp);
    }

    /**
     * Launches a job and returns once its command has been exec'd.
     *
     * @throws LaunchException when a step before exec failed; nothing of the job remains then
     * @throws IllegalStateException when this launcher is closed
     */
    public LaunchedProcess launch(LaunchRequest request, OutputHandler output) throws IOException {
        return helpers.launch(request, output);
    }

    /**
     * Launches a detached job (helper.h {@code MSG_DETACH}) and returns once its command has been exec'd. Its
     * supervisor then belongs to no process of the caller's: it logs the job's output to {@code detachment}'s
     * directory, records its end there and outlives the caller; {@link #close()} does not end it. The request's stdin
     * must be empty and it must not use a terminal.
     *
     * @throws LaunchException when a step before exec failed; nothing of the job remains then (the directory and
     *     what the caller put in it are the caller's)
     * @throws IllegalStateException when this launcher is closed
     */
    public DetachedProcess launchDetached(LaunchRequest request, Detachment detachment) throws IOException {
        return helpers.launchDetached(request, detachment);
    }

    /**
     * Refuses new launches and prepares, waits for those under way, ends the prepared helpers not used, kills every
     * job still running with SIGKILL (sent by its supervisor through a pidfd, so never to a recycled PID; a caller
     * that wants a graceful stop stops its jobs first), and returns once each is released (its supervisor reaped, its
     * fds closed, {@link LaunchedProcess#onReleased()} complete) and the I/O thread has ended. Idempotent.
     *
     * @throws IllegalStateException when that takes longer than 10 seconds (a job stuck in the kernel; the I/O
     *     thread then keeps serving what is left and ends once it is released), or when called on the I/O thread
     *     (from a callback of {@link LaunchedProcess#onExit()}: it would wait for itself)
     */
    @Override
    public void close() {
        helpers.close();
    }
}
