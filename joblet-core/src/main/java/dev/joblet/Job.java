package dev.joblet;

import dev.joblet.internal.Args;
import dev.joblet.namespaces.ExitStatus;
import dev.joblet.namespaces.LaunchedProcess;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running (or finished) job: the handle {@link JobSpec#start()} returns. Thread-safe. Closing it kills
 * whatever still runs and waits until nothing of the job remains (processes, cgroup, fds).
 *
 * <p>Everything of the job was made by its start ({@link JobLaunch}), which hands it over here: from then on this
 * handle owns it and releases it once the job has ended.
 */
public final class Job implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Job.class);

    /** The instance that started the job: its host, pools and launcher. */
    private final Joblet owner;
    private final JobId id;
    private final JobSpec spec;
    private final Instant startedAt;
    /** Its stdout and stderr buffers and its log. */
    private final JobOutput output;
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();
    /**
     * {@link #result} as users see it through {@link #onExit()}: completed on an events thread, so that what they
     * chain on it never runs on the I/O thread, which completes {@code result} ({@link #await()} waits on that one).
     */
    private final CompletableFuture<JobResult> published;
    /** Completes once the job's cgroup is removed, just after {@link #result} (off the result path). */
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final JobProcesses processes;
    private final LaunchedProcess process;
    private final @Nullable JobNetworking net;
    private final @Nullable Workspace workspace;
    private final @Nullable WritableLayer layer;
    /** Who the job runs as; its host identity, when allocated, is released by {@link #release()}. */
    private final JobIdentity identity;
    private final HostIdentities.@Nullable Lease identityLease;
    private final Object lock = new Object();
    /** Why the library ended the job (STOPPED or TIMED_OUT), if it did. Guarded by lock. */
    private @Nullable EndReason stopReason;
    private @Nullable ScheduledFuture<?> timeoutTask; // guarded by lock
    /** Completes when the job's network namespace has gone (after the result: see close()). */
    private volatile CompletableFuture<Void> networkReleased = CompletableFuture.completedFuture(null);

    /** Takes over what {@link JobLaunch} made for the job, whose processes write into {@code output}. */
    Job(Joblet owner, JobId id, JobSpec spec, Instant startedAt, JobOutput output, JobProcesses processes, @Nullable JobNetworking net,
            @Nullable Workspace workspace, @Nullable WritableLayer layer, JobIdentity identity,
            HostIdentities.@Nullable Lease identityLease) {
        this.owner = owner;
        this.published = result.whenCompleteAsync((r, e) -> { }, owner.events());
        this.id = id;
        this.spec = spec;
        this.startedAt = startedAt;
        this.output = output;
        this.processes = processes;
        this.process = processes.process();
        this.net = net;
        this.workspace = workspace;
        this.layer = layer;
        this.identity = identity;
        this.identityLease = identityLease;
    }

    /** Watches the launched job: its end, its supervisor's loss and its timeout. Called once, by its start. */
    void begin() {
        process.onExit().whenComplete(this::exited);
        // The kernel kills the job with its supervisor (parent-death signal); its cgroup is killed too, in case
        // anything of it could survive that (a set-uid PID 1 loses the signal).
        process.onSupervisorLost().thenRunAsync(() -> processes.killCgroupUnless(result.isDone()), owner.events());
        spec.timeout().ifPresent(t -> {
            synchronized (lock) {
                timeoutTask = owner.events().schedule(
                        () -> stop(EndReason.TIMED_OUT, spec.stopGrace()), t.toNanos(), TimeUnit.NANOSECONDS);
            }
        });
    }

    /**
     * Called once every process of the job is gone, on the I/O thread (or the starting thread if that was before
     * start returned). A plain job is finished right there: its result is complete with no thread hop, and its
     * statistics are a few reads of cgroupfs. A job with a workspace, a writable layer or a private network is
     * finished on an events thread, as releasing those may block.
     */
    private void exited(@Nullable ExitStatus status, @Nullable Throwable error) {
        if (workspace == null && layer == null && net == null) {
            finish(status, error, true);
        } else {
            owner.events().execute(() -> finish(status, error, false));
        }
    }

    /** {@code inline}: on the I/O thread, which must not wait for the cgroup's removal. */
    private void finish(@Nullable ExitStatus status, @Nullable Throwable error, boolean inline) {
        try {
            complete(status, error);
        } catch (RuntimeException | Error e) {
            log.error("job {}: cannot finish", id, e);
            result.completeExceptionally(e);
        }
        owner.warmPool().refill();
        // The cgroup goes after the result: its processes are gone and its statistics read, and rmdir of a v1
        // cgroup may take milliseconds (the kernel reports it busy for a while). close() waits for it.
        // A warm supervisor sits in the cgroup until it has exited, just after the job.
        if (process.onReleased().isDone()) {
            if (inline) {
                owner.events().execute(this::release);
            } else {
                release();
            }
        } else {
            process.onReleased().whenCompleteAsync((x, e) -> release(), owner.events());
        }
    }

    private void release() {
        try {
            processes.removeCgroup();
        } finally {
            // Nothing of the job remains (its supervisor is reaped, its cgroup gone): its host identity may be reused.
            if (identityLease != null) {
                identityLease.close();
            }
            released.complete(null);
        }
    }

    /** The uid the job runs as on the host (its own unless pinned; the JVM's own for a rootless JVM). */
    int hostUid() {
        return owner.host().rootless() ? dev.joblet.internal.HostFacts.euid() : identity.hostUid();
    }

    private void complete(@Nullable ExitStatus status, @Nullable Throwable error) {
        ScheduledFuture<?> t;
        EndReason stopped;
        synchronized (lock) {
            t = timeoutTask;
            stopped = stopReason;
        }
        if (t != null) {
            t.cancel(false);
        }
        Usage usage = processes.usage();
        releaseNetwork();
        if (workspace != null) {
            workspace.jobEnded();
        }
        if (layer != null) {
            layer.close(); // nothing of the job uses it any more
        }
        JobResult r = JobResult.of(id, spec, status, error, stopped, startedAt, Instant.now(), usage);
        log.debug("job {} ended: {}", id.shortForm(), r);
        result.complete(r);
    }

    /** Frees the job's host name and ports now; its namespace goes in the background (close() waits for it). */
    private void releaseNetwork() {
        if (net != null) {
            networkReleased = net.release();
        }
    }

    /** The job's IPv4 address on its private network; empty for {@link Network#NONE} and {@link Network#HOST}. */
    public Optional<String> address() {
        return net == null ? Optional.empty() : Optional.of(net.address());
    }

    /** The port on the host's 127.0.0.1 where the job's {@code jobPort} is published (see {@link JobSpec.Builder#publish}). */
    public int publishedPort(int jobPort) {
        Integer p = net == null ? null : net.publishedPort(jobPort);
        if (p == null) {
            throw new IllegalArgumentException("jobPort (" + jobPort + ") is not published by job " + id.shortForm());
        }
        return p;
    }

    /** The job's id; its {@linkplain JobId#shortForm() short form} names it in messages and its default hostname. */
    public JobId id() {
        return id;
    }

    public JobSpec spec() {
        return spec;
    }

    /** The PID of the job's PID 1 as this JVM sees it. */
    public int pid() {
        return process.pid();
    }

    public Instant startedAt() {
        return startedAt;
    }

    /**
     * The job's /work, when the spec {@linkplain JobSpec#retainsWorkspace() retains it}: readable once the job has
     * ended, until {@link #close()}.
     */
    public Optional<Workspace> workspace() {
        return Optional.ofNullable(workspace);
    }

    /**
     * The job's stdout. Its {@link LogStream#open() streams} are lossless: a slow reader makes the job wait (as a
     * pipe does), never loses a byte; close a stream you stop reading early. See {@link LogStream}.
     */
    public LogStream stdout() {
        return output.stdout;
    }

    /**
     * Input typed into the job's terminal (jobs with {@code tty(true)} only). Writes block only while the
     * terminal's input queue is full; closing the stream does not end the job (type Ctrl-D, byte 4, for EOF).
     *
     * @throws IllegalStateException when the job has no terminal
     */
    public java.io.OutputStream terminalInput() {
        requireTerminal();
        return new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                process.writeInput(b, off, len);
            }
        };
    }

    /** Sets the job's terminal size (jobs with {@code tty(true)} only); its foreground process gets SIGWINCH. */
    public void resizeTerminal(int rows, int columns) throws IOException {
        requireTerminal();
        process.resizeTerminal(rows, columns);
    }

    private void requireTerminal() {
        if (!spec.tty()) {
            throw new IllegalStateException("job " + id.shortForm() + " has no terminal: start it with tty(true)");
        }
    }

    /** The job's stderr; lossless streams, as {@link #stdout()}. */
    public LogStream stderr() {
        return output.stderr;
    }

    /**
     * stdout and stderr as one ordered, resumable log of stamped chunks, published to any number of
     * {@link java.util.concurrent.Flow.Subscriber}s, losslessly unless a subscriber asks for
     * {@link JobLog.Delivery#LOSSY}; see {@link JobLog}.
     */
    public JobLog logs() {
        return output.logs;
    }

    public boolean isAlive() {
        return !result.isDone();
    }

    /**
     * Completes when the job has ended: every process of it is gone and its output delivered. Its cgroup, and on a
     * private network its network namespace, are removed just after, off this path; {@link #close()} returns only
     * once nothing of the job remains. Completed on the library's events thread: dependent actions should be quick
     * or use the async variants.
     */
    public CompletableFuture<JobResult> onExit() {
        return published.copy();
    }

    /** Waits for the job to end. */
    public JobResult await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("job " + id + " failed", e.getCause());
        }
    }

    /** Waits at most {@code timeout}; empty when the job is still running then. */
    public Optional<JobResult> await(Duration timeout) throws InterruptedException {
        // A negative wait does not wait; one beyond about 292 years waits that long (in practice: until the end).
        long nanos = Args.saturated(Args.nonNull(timeout, "await timeout")).toNanos();
        try {
            return Optional.of(result.get(nanos, TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("job " + id + " failed", e.getCause());
        }
    }

    /**
     * Stops the job: SIGTERM to its PID 1, then after {@code grace} SIGKILL to the whole job. The kernel delivers
     * SIGTERM to a PID 1 only if it catches it (a handler) or blocks it (to take it with {@code sigwaitinfo}, as tini
     * does); when PID 1 does neither (a plain {@code sleep}, a shell without a {@code trap}), SIGTERM could not reach
     * it and the job is killed at once, without waiting the grace. Returns at once; {@link #onExit()} tells when it
     * is over.
     */
    public CompletableFuture<JobResult> stop(Duration grace) {
        Args.nonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace (" + grace + ") must not be negative");
        }
        // A grace beyond about 292 years is taken as that: the SIGKILL is scheduled, never overflowed.
        stop(EndReason.STOPPED, Args.saturated(grace));
        return onExit();
    }

    private void stop(EndReason reason, Duration grace) {
        synchronized (lock) {
            if (result.isDone()) {
                return;
            }
            if (stopReason == null) {
                stopReason = reason;
            }
        }
        processes.stop(grace, result::isDone);
    }

    /**
     * Kills whatever of the job still runs and waits until nothing of it remains, including its network namespace
     * on a private network (removed in the background after the result, as the kernel takes tens of milliseconds to
     * unregister a veth). Idempotent.
     */
    @Override
    public void close() {
        stop(EndReason.STOPPED, Duration.ZERO);
        try {
            result.get(30, TimeUnit.SECONDS);
            networkReleased.get(30, TimeUnit.SECONDS);
            released.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("job {} did not end within 30 s of SIGKILL", id);
        }
        if (workspace != null) {
            workspace.close();
        }
        try {
            output.logs.closeSpill();
        } catch (IOException e) {
            log.warn("job {}: cannot remove its log spill: {}", id, e.getMessage());
        }
        owner.closed(this);
    }

    /** Completes once nothing of the job's processes and cgroup remains (its owner then may forget it). */
    CompletableFuture<Void> released() {
        return released;
    }

    /** Whether the job keeps something after its end that only {@link #close()} releases (a workspace, a spill). */
    boolean keepsAfterEnd() {
        return workspace != null || spec.logSpill().isPresent();
    }

    @Override
    public String toString() {
        return "Job{" + id.shortForm() + " " + spec.command().get(0) + (isAlive() ? " running}" : " ended}");
    }
}
