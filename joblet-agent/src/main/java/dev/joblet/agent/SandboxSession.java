package dev.joblet.agent;

import dev.joblet.JobletException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Successive snippets in one sandbox: every call runs with the sandbox's limits and sees the same {@code /work},
 * so files written by one call are there for the next; {@link #put} and {@link #get} move files in and out.
 *
 * <p>Each call is its own job (own PID namespace, cgroup and timeout, so each call gets its own end reason
 * and usage); what persists is {@code /work}, a private host directory bound into every call. Background
 * processes do not outlive their call. Unlike a one-shot run, the session's {@code /work} is bounded by the
 * host directory's filesystem, not by a tmpfs size.
 *
 * <p>Thread-safe: calls are serialized. The session closes itself after the idle timeout with no call;
 * {@link #close()} (idempotent) removes the directory. Calls on a closed session throw
 * {@link IllegalStateException}.
 */
public final class SandboxSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxSession.class);
    /** Largest file {@link #get} returns. */
    public static final long MAX_GET_BYTES = 64L * 1024 * 1024;

    /** One timer thread for all sessions' idle timeouts; it exists only while some timeout is pending. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Sandbox sandbox;
    private final SessionDirectory workspace;
    private final Duration idleTimeout;
    /** The host identity reserved for the session's calls (null: the template pins one); released on close. */
    private final dev.joblet.@Nullable ReservedIdentity identity;
    private @Nullable ScheduledFuture<?> idleTask; // guarded by this
    private @Nullable String closedBecause; // guarded by this

    SandboxSession(Sandbox sandbox, SessionDirectory workspace, Duration idleTimeout,
            dev.joblet.@Nullable ReservedIdentity identity) {
        this.identity = identity;
        this.sandbox = sandbox;
        this.workspace = workspace;
        this.idleTimeout = idleTimeout;
        synchronized (this) {
            armIdleTimer();
        }
        log.debug("session {} opened, idle timeout {}", workspace, idleTimeout);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "joblet-session-idle");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        t.setKeepAliveTime(1, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        return t;
    }

    /** Runs a snippet in this session's sandbox; see {@link Sandbox#run}. */
    public synchronized ExecutionResult run(Language language, String code) throws JobletException, InterruptedException {
        requireOpen("run");
        disarmIdleTimer();
        try {
            return sandbox.execute(sandbox.specFor(language, code, workspace));
        } finally {
            armIdleTimer();
        }
    }

    /**
     * Writes a file into {@code /work}, creating parent directories. {@code path} is relative to {@code /work}
     * (or starts with {@code /work/}) and must not contain {@code ..}.
     */
    public synchronized void put(String path, byte[] content) throws IOException {
        requireOpen("put");
        disarmIdleTimer();
        try {
            workspace.put(path, content);
        } finally {
            armIdleTimer();
        }
    }

    /** Reads a regular file of {@code /work} (at most {@value #MAX_GET_BYTES} bytes); links are not followed. */
    public synchronized byte[] get(String path) throws IOException {
        requireOpen("get");
        disarmIdleTimer();
        try {
            return workspace.get(path, MAX_GET_BYTES);
        } finally {
            armIdleTimer();
        }
    }

    /** True when {@code /work/path} exists. */
    public synchronized boolean exists(String path) throws IOException {
        requireOpen("exists");
        return workspace.exists(path);
    }

    public synchronized boolean isOpen() {
        return closedBecause == null;
    }

    /** The host directory behind {@code /work} (for diagnostics; it is removed on close). */
    public Path hostDirectory() {
        return workspace.directory();
    }

    private void requireOpen(String method) {
        if (closedBecause != null) {
            throw new IllegalStateException(method + ": the session is closed (" + closedBecause + ")");
        }
    }

    private void armIdleTimer() {
        idleTask = TIMER.schedule(this::closeIdle, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void disarmIdleTimer() {
        ScheduledFuture<?> t = idleTask;
        if (t != null) {
            t.cancel(false);
            idleTask = null;
        }
    }

    private void closeIdle() {
        synchronized (this) {
            if (closedBecause != null || idleTask == null || idleTask.getDelay(TimeUnit.NANOSECONDS) > 0) {
                return; // closed already, or a call re-armed the timer
            }
            closeLocked("idle for " + idleTimeout);
        }
    }

    /** Removes the session's {@code /work}. Idempotent. */
    @Override
    public synchronized void close() {
        if (closedBecause == null) {
            closeLocked("closed by close()");
        }
    }

    private void closeLocked(String why) {
        closedBecause = why;
        disarmIdleTimer();
        try {
            workspace.delete();
        } catch (IOException e) {
            log.warn("session {}: cannot remove its directory: {}", workspace, e.getMessage());
        }
        if (identity != null) {
            identity.close(); // calls are serialized and each closed its job: none runs as it now
        }
        log.debug("session {} closed: {}", workspace, why);
    }
}
