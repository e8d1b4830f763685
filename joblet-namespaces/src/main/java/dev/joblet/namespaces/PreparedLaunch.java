package dev.joblet.namespaces;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A pre-spawned helper ("warm" supervisor), made by {@link Launcher#prepare}: it already sits in the cgroups it was
 * given (and, if asked, in a new network namespace with only {@code lo}) and waits for one job's config. Its job
 * inherits those cgroups through clone, so no {@code cgroup.procs} write happens on the start path; the
 * supervisor itself stays in them until the job ends (it counts as one process and a few hundred KiB there).
 * Thread-safe: {@link #launch} and {@link #close} may race; at most one launch ever succeeds.
 */
public interface PreparedLaunch extends AutoCloseable {

    /** The cgroup.procs files the supervisor joined. */
    List<Path> cgroupProcsFiles();

    /** Whether the supervisor entered a new network namespace (for {@code network(true)} requests). */
    boolean newNetwork();

    /**
     * Whether this helper already built the root for requests like {@code request} (see
     * {@link Launcher#prepare(List, boolean, LaunchRequest)}): equal in everything but hostname, workdir, argv and env.
     */
    boolean rootBuiltFor(LaunchRequest request);

    /** Whether this helper built a job's root ahead (and so accepts only requests it was built for). */
    boolean rootBuilt();

    /** False once the prepared supervisor has died (e.g. killed from outside while it waited): discard it. */
    default boolean isAlive() {
        return true;
    }

    /**
     * Starts the job. A helper with a root built ahead accepts only requests it was {@linkplain #rootBuiltFor built
     * for}. The request must have no cgroup files of its own (the job inherits the prepared ones), no
     * stdin bytes (the job's stdin is {@code /dev/null}), and {@code network()} equal to {@link #newNetwork()}
     * unless it joins a prepared namespace with {@code netns}.
     *
     * @throws IllegalStateException when this helper was already used or closed
     * @throws LaunchException when a step before exec failed; the helper is gone then
     */
    LaunchedProcess launch(LaunchRequest request, OutputHandler output) throws IOException;

    /** Ends an unused helper and reaps it; waits until it is gone. Does nothing after a launch. Idempotent. */
    @Override
    void close();
}
