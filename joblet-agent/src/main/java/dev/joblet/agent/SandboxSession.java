package dev.joblet.agent;

import dev.joblet.JobletException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
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
 * <p>Each {@link #run} is its own job (own PID namespace, cgroup and timeout, so each call gets its own end reason
 * and usage); what persists is {@code /work}, a private host directory bound into every call. Processes a
 * {@code run} leaves in the background do not outlive it.
 *
 * <p>{@link #runCode} runs cells in live interpreters, as a notebook does: variables, imports and the working
 * directory persist between cells; the result holds the last expression's value and the error with its
 * traceback. The interpreters (one per language) and the processes from {@link #start} run in one more job, the
 * session job, started at the first {@code runCode} or {@code start} (or ahead, by the sandbox's pool), with the
 * sandbox's limits for the whole session and the sandbox's timeout for each cell; it sees the same {@code /work}.
 * <pre>{@code
 * try (SandboxSession s = sandbox.openSession()) {
 *     s.runCode("import math\nr = 2");
 *     s.runCode("math.pi * r ** 2").value();              // Optional[12.566370614359172]
 *     BackgroundProcess server = s.start("python3 -m http.server 8000");
 *     s.runCode(Language.BASH, "sleep 1; curl -s localhost:8000 | head -1", OutputListener.NONE);
 * }
 * }</pre> Unlike a one-shot run, the session's {@code /work} is bounded by the
 * host directory's filesystem, not by a tmpfs size.
 *
 * <p>Thread-safe: calls are serialized. The session closes itself after the idle timeout with no call;
 * {@link #close()} (idempotent) ends the session job (interpreters, background processes) and removes the directory. Calls on a closed session throw
 * {@link IllegalStateException}.
 */
public final class SandboxSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxSession.class);
    /** Largest file {@link #get} returns by default; see {@link Sandbox.Builder#fileLimit}. */
    public static final long MAX_GET_BYTES = 64L * 1024 * 1024;

    /** One timer thread for all sessions' idle timeouts; it exists only while some timeout is pending. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Sandbox sandbox;
    private final SessionDirectory workspace;
    private final Duration idleTimeout;
    /** The host identity reserved for the session's calls (null: the template pins one); released on close. */
    private final dev.joblet.@Nullable ReservedIdentity identity;
    /** The session job with the live interpreters; started at the first runCode or start. Guarded by this. */
    private @Nullable LiveInterpreter live;
    /** The session's private network with its egress allow-list (null: none); closed on close. */
    private final dev.joblet.@Nullable PrivateNetwork network;
    private @Nullable ScheduledFuture<?> idleTask; // guarded by this
    private @Nullable String closedBecause; // guarded by this

    SandboxSession(Sandbox sandbox, SessionDirectory workspace, Duration idleTimeout,
            dev.joblet.@Nullable ReservedIdentity identity, dev.joblet.@Nullable PrivateNetwork network) {
        this.identity = identity;
        this.network = network;
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
    public ExecutionResult run(Language language, String code) throws JobletException, InterruptedException {
        return run(language, code, RunOptions.DEFAULTS);
    }

    /** As {@link #run(Language, String)}, with this call's environment, stdin, timeout or limits. */
    public synchronized ExecutionResult run(Language language, String code, RunOptions options)
            throws JobletException, InterruptedException {
        requireOpen("run");
        disarmIdleTimer();
        try {
            return sandbox.execute(sandbox.specFor(language, code, options, workspace, network));
        } finally {
            armIdleTimer();
        }
    }

    /** Longest cell {@link #runCode} takes. */
    public static final int MAX_CELL_BYTES = 8 * 1024 * 1024;

    /** Runs a Python cell; see {@link #runCode(Language, String, Duration, OutputListener)}. */
    public CellResult runCode(String code) throws JobletException, InterruptedException {
        return runCode(Language.PYTHON3, code);
    }

    /** Runs a cell; see {@link #runCode(Language, String, Duration, OutputListener)}. */
    public CellResult runCode(Language language, String code) throws JobletException, InterruptedException {
        return runCode(language, code, sandbox.cellTimeout(), OutputListener.NONE);
    }

    /** Runs a cell, streaming its output; see {@link #runCode(Language, String, Duration, OutputListener)}. */
    public CellResult runCode(Language language, String code, OutputListener listener)
            throws JobletException, InterruptedException {
        return runCode(language, code, sandbox.cellTimeout(), listener);
    }

    /**
     * Runs a cell in the session's live interpreter for {@code language}: what earlier cells of that language
     * defined is still there. Output goes to {@code listener} as it is written (on the session's reader thread)
     * and into the result. A cell still running after {@code timeout} is interrupted (KeyboardInterrupt, SIGINT)
     * and ends as TIMED_OUT with the state kept; one that ignores the interrupt is killed after 1 s and its
     * interpreter restarted ({@link CellResult#restarted()}). An interpreter that dies is restarted and the cell
     * ends as CRASHED; when the whole session job died (e.g. for memory), the next call starts a new one.
     *
     * @throws JobletException when the session job cannot start (e.g. no python3 in the runtime)
     * @throws InterruptedException when interrupted while waiting: the cell is interrupted, the state is kept
     */
    public synchronized CellResult runCode(Language language, String code, Duration timeout, OutputListener listener)
            throws JobletException, InterruptedException {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(listener, "listener");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout (" + timeout + ") must be positive");
        }
        if (code.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("code must not contain NUL characters");
        }
        int bytes = code.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_CELL_BYTES) {
            throw new IllegalArgumentException("code (" + bytes + " bytes) must be at most " + MAX_CELL_BYTES + " bytes");
        }
        requireOpen("runCode");
        disarmIdleTimer();
        try {
            return interpreter().run(language, code, timeout, listener);
        } finally {
            armIdleTimer();
        }
    }

    /** Starts {@code bash -c command} in the background; see {@link #start(String, OutputListener)}. */
    public BackgroundProcess start(String command) throws JobletException, InterruptedException {
        return start(command, OutputListener.NONE);
    }

    /**
     * Starts {@code bash -c command} in the background of the session job: it runs beside later cells (same
     * {@code /work}, network and limits) until it ends, {@link BackgroundProcess#kill()}, or the session closes.
     */
    public synchronized BackgroundProcess start(String command, OutputListener listener)
            throws JobletException, InterruptedException {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(listener, "listener");
        if (command.isBlank() || command.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("command (" + command + ") must be non-blank and free of NUL characters");
        }
        requireOpen("start");
        disarmIdleTimer();
        try {
            return interpreter().start(command, listener);
        } finally {
            armIdleTimer();
        }
    }

    /** Starts the session job now (the pool does it ahead of need); no-op when it runs. */
    synchronized void startInterpreter() throws JobletException, InterruptedException {
        requireOpen("startInterpreter");
        interpreter();
    }

    /** True when open with a running session job (a pool's check before handing it out). */
    synchronized boolean isReady() {
        return closedBecause == null && live != null && live.isAlive();
    }

    /** Restarts the idle timer (a session handed out by the pool). */
    synchronized void touch() {
        if (closedBecause == null) {
            disarmIdleTimer();
            armIdleTimer();
        }
    }

    private LiveInterpreter interpreter() throws JobletException, InterruptedException {
        LiveInterpreter li = live;
        if (li != null && !li.isAlive()) {
            log.debug("session {}: its job ended ({}); starting a new one", workspace, li.endedBecause());
            li.close();
            li = null;
            live = null;
        }
        if (li == null) {
            li = LiveInterpreter.start(sandbox.joblet(),
                    sandbox.specFor(Language.PYTHON3, "", RunOptions.DEFAULTS, workspace, network),
                    sandbox.outputLimit());
            live = li;
        }
        return li;
    }

    /**
     * Writes a file into {@code /work}, creating parent directories. {@code path} is relative to {@code /work}
     * (or starts with {@code /work/}) and must not contain {@code ..}.
     */
    public void put(String path, byte[] content) throws IOException {
        fileCall("put", () -> {
            workspace.put("put", path, content);
            return Boolean.TRUE;
        });
    }

    /** Reads a regular file of {@code /work} (at most {@link Sandbox#fileLimit()} bytes); links are not followed. */
    public byte[] get(String path) throws IOException {
        return fileCall("get", () -> workspace.get("get", path));
    }

    /** True when {@code /work/path} exists (a link there counts; it is not followed). */
    public boolean exists(String path) throws IOException {
        return fileCall("exists", () -> workspace.exists("exists", path));
    }

    /**
     * Writes (replaces) a regular file of {@code /work}, making missing parent directories (given to the jobs'
     * user). Refused, naming the path and the size, when {@code content} is larger than {@link Sandbox#fileLimit()};
     * refused when the path has a symbolic link on the way or at the end, or is a directory.
     *
     * <p>Files of a session are confined to its {@code /work} even while a job of the session runs: every
     * path is resolved once beneath the directory's descriptor, refusing every link ({@code openat2} with
     * {@code RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS}), and used through descriptors from then on, so neither a
     * planted link nor a directory swapped during the call makes the JVM touch a host file outside.
     */
    public void write(String path, byte[] content) throws IOException {
        put(path, content);
    }

    /** Writes a UTF-8 text file; as {@link #write(String, byte[])}. */
    public void write(String path, String text) throws IOException {
        put(path, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Reads a regular file of {@code /work}; refused, naming the path and the size, when it is larger than
     * {@link Sandbox#fileLimit()}, and when it is a link, a directory or anything but a regular file.
     */
    public byte[] read(String path) throws IOException {
        return get(path);
    }

    /** Reads a file as UTF-8 text; as {@link #read}. */
    public String readText(String path) throws IOException {
        return new String(get(path), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The entries of a directory of {@code /work} ({@code ""} or {@code "/work"} for {@code /work} itself),
     * sorted by name, with their type (file, directory, link) and size; links are listed, never followed.
     */
    public java.util.List<FileEntry> list(String path) throws IOException {
        return fileCall("list", () -> workspace.list("list", path));
    }

    /** Makes a directory of {@code /work} with its missing parents; an existing directory is fine. */
    public void makeDirectory(String path) throws IOException {
        fileCall("makeDirectory", () -> {
            workspace.makeDirectory("makeDirectory", path);
            return Boolean.TRUE;
        });
    }

    /**
     * Removes a file, a link (never what it points to) or a directory with everything in it.
     *
     * @return false when there was nothing to remove
     */
    public boolean remove(String path) throws IOException {
        return fileCall("remove", () -> workspace.remove("remove", path));
    }

    /** The private network of the session's egress allow-list, when it has one. */
    public java.util.Optional<dev.joblet.PrivateNetwork> network() {
        return java.util.Optional.ofNullable(network);
    }

    private interface FileCall<T> {
        T call() throws IOException;
    }

    private synchronized <T> T fileCall(String method, FileCall<T> call) throws IOException {
        requireOpen(method);
        disarmIdleTimer();
        try {
            return call.call();
        } finally {
            armIdleTimer();
        }
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
        if (live != null) {
            live.close(); // first: its processes write into the directory removed next
            live = null;
        }
        try {
            workspace.delete();
        } catch (IOException e) {
            log.warn("session {}: cannot remove its directory: {}", workspace, e.getMessage());
        }
        if (network != null) {
            network.close(); // every call's job has ended: it goes now
        }
        if (identity != null) {
            identity.close(); // calls are serialized and each closed its job: none runs as it now
        }
        log.debug("session {} closed: {}", workspace, why);
    }
}
