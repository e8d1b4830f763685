package dev.joblet;

import dev.joblet.cgroups.CgroupStats;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.internal.ChunkLog;
import dev.joblet.internal.Events;
import dev.joblet.internal.LogDelivery;
import dev.joblet.internal.LogSpill;
import dev.joblet.internal.OutputBuffer;
import dev.joblet.namespaces.ExitStatus;
import dev.joblet.namespaces.FreshNetns;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.Launcher;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.SupervisorDiedException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
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
 */
public final class Job implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Job.class);
    private static final int SIGTERM = 15, SIGKILL = 9;
    /** When a stop's TERM was only blocked by PID 1, how soon it is checked again (see {@link #stop(EndReason, Duration)}). */
    private static final Duration RECHECK = Duration.ofMillis(100);

    private final String id;
    private final JobSpec spec;
    private final Instant startedAt;
    private final OutputBuffer stdout;
    private final OutputBuffer stderr;
    private final ChunkLog logs;
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();
    /**
     * {@link #result} as users see it through {@link #onExit()}: completed on an events thread, so that what they
     * chain on it never runs on the I/O thread, which completes {@code result} ({@link #await()} waits on that one).
     */
    private final CompletableFuture<JobResult> published = result.whenCompleteAsync((r, e) -> { }, Events.executor());
    /** Completes once the job's cgroup is removed, just after {@link #result} (off the result path). */
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final @Nullable JobCgroup cgroup;
    private @Nullable LaunchedProcess process; // set once, before the job is published
    private final Object lock = new Object();
    /** Why the library ended the job (STOPPED or TIMED_OUT), if it did. Guarded by lock. */
    private @Nullable EndReason stopReason;
    private @Nullable ScheduledFuture<?> timeoutTask;
    private @Nullable JobNetworking net; // set once, before the job is published
    private final @Nullable Workspace workspace;
    private @Nullable WritableLayer layer; // set once, before the job is published
    /** Completes when the job's network namespace has gone (after the result: see close()). */
    private volatile CompletableFuture<Void> networkReleased = CompletableFuture.completedFuture(null);
    /** Started from the warm pool: its supervisor sits in the job's cgroup (see {@link WarmPool}). */
    private WarmPool.@Nullable Entry warm; // set once, before the job is published
    /** Who the job runs as; its host identity, when allocated, is released by {@link #release()}. */
    private final JobIdentity identity;
    private final HostIdentities.@Nullable Lease identityLease;

    /** The instance that started the job: its host, pools and launcher. */
    private final Joblet owner;

    private Job(Joblet owner, String id, JobSpec spec, @Nullable JobCgroup cgroup, @Nullable Workspace workspace,
            @Nullable LogSpill spill, JobIdentity identity, HostIdentities.@Nullable Lease identityLease) {
        this.owner = owner;
        this.id = id;
        this.identity = identity;
        this.identityLease = identityLease;
        this.spec = spec;
        this.cgroup = cgroup;
        this.workspace = workspace;
        this.startedAt = Instant.now();
        int cap = (int) spec.outputBuffer().bytes();
        this.stdout = new OutputBuffer(cap);
        this.stderr = new OutputBuffer(cap);
        this.logs = new ChunkLog(id.substring(0, 8), 2L * cap, LogDelivery.executor(), spill);
    }

    /** {@code given}: the id the caller chose (canonical UUID), or null for a new one. */
    static Job start(Joblet owner, JobSpec spec, @Nullable String given) throws JobletException {
        if (Thread.currentThread().isInterrupted()) {
            throw interruptedStart(spec, "before anything was made", null);
        }
        owner.host().requireLaunchable(spec);
        Runtimes.Resolved resolved = spec.runtime().isHost() ? null
                : Runtimes.resolve(spec.runtime(), owner.config().runtimesRoot());
        try {
            return startWithIdentity(owner, spec, resolved, given);
        } catch (JobStartException | RuntimeException e) {
            // An interrupt shows as whatever it broke (a ClosedByInterruptException of a cgroup write, ...): it is
            // reported as what it is, with the flag kept. What the start had made is gone by now (see undo).
            if (Thread.currentThread().isInterrupted() || causedByInterrupt(e)) {
                Thread.currentThread().interrupt();
                throw interruptedStart(spec, e instanceof JobStartException ? "at " + ((JobStartException) e).step()
                        : "", e);
            }
            throw e;
        }
    }

    private static Job startWithIdentity(Joblet owner, JobSpec spec, Runtimes.@Nullable Resolved resolved,
            @Nullable String given) throws JobletException {
        // A warm supervisor's cgroup is named by the id it was prepared for: the job takes that id unless the caller
        // chose one (the cgroup then keeps the name it was made with).
        WarmPool.Entry warm = owner.warmPool().claim(spec);
        // Its host identity is the one the warm supervisor was prepared with, or one allocated now. Held until nothing
        // of the job remains: released by release(), or here when the start fails (whose paths below wait until the
        // job's processes are gone).
        HostIdentities.Lease lease = warm == null ? null : warm.takeIdentity();
        if (lease != null && !spec.security().ownIdentity()) {
            lease.close(); // a pinned job does not use the one prepared
            lease = null;
        }
        try {
            if (lease == null) {
                lease = owner.host().allocateIdentity(spec);
            }
            return start(owner, spec, resolved, warm, lease, given);
        } catch (JobletException | RuntimeException e) {
            if (lease != null) {
                lease.close();
            }
            throw e;
        }
    }

    private static JobStartException interruptedStart(JobSpec spec, String where, @Nullable Throwable cause) {
        return new JobStartException("cannot start job \"" + spec.command().get(0) + "\": interrupted"
                + (where.isEmpty() ? "" : " (" + where + ")") + "; nothing of it remains", "interrupted", "EINTR", false,
                cause);
    }

    private static boolean causedByInterrupt(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.ClosedByInterruptException || t instanceof InterruptedException
                    || t instanceof java.io.InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    /** Runs a start's undo with the interrupt flag cleared (an interrupt must not stop the cleanup), then restores it. */
    private static void undo(Runnable cleanup) {
        boolean interrupted = Thread.interrupted();
        try {
            cleanup.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Job start(Joblet owner, JobSpec spec, Runtimes.@Nullable Resolved resolved,
            WarmPool.@Nullable Entry warm, HostIdentities.@Nullable Lease lease, @Nullable String given)
            throws JobletException {
        JobIdentity identity = JobIdentity.of(spec.security(), lease);
        String id = given != null ? given : warm != null ? warm.id() : UUID.randomUUID().toString();
        String shortId = id.substring(0, 8);
        LogSpill spill = null;
        if (spec.logSpill().isPresent()) {
            try {
                spill = LogSpill.create(spec.logSpill().get(), id);
            } catch (IOException e) {
                undo(() -> abandon(warm, null, null, null));
                throw new JobStartException("cannot start job " + shortId + ": cannot create its log spill in "
                        + spec.logSpill().get() + ": " + e, "logSpill", null, false, e);
            }
        }
        Workspace workspace = null;
        if (spec.retainsWorkspace()) {
            try {
                // The tmpfs is made in the JVM's user namespace: its owner is the host id the job's user maps to.
                workspace = Workspace.create(id, spec.workspaceSize(), spec.workspaceInodes(), spec.uploads(),
                        identity.hostUid(), identity.hostGid());
            } catch (IOException e) {
                LogSpill s = spill;
                undo(() -> abandon(warm, s, null, null));
                throw new JobStartException("cannot start job " + shortId + " \"" + spec.command().get(0) + "\": "
                        + e.getMessage(), "workspace", null, false, e);
            }
        }
        Job job;
        List<dev.joblet.namespaces.MountOp> mounts;
        WritableLayer layer = null;
        try {
            Runtimes.Resolved root = resolved;
            if (resolved != null && spec.writableLayer().isPresent()) {
                try {
                    layer = WritableLayer.create(id, resolved.rootfs(), spec.writableLayer().get());
                } catch (IOException e) {
                    throw new JobStartException("cannot start job " + shortId + " \"" + spec.command().get(0) + "\": "
                            + "writable layer: " + e.getMessage(), "writable layer", null, false, e);
                }
                root = new Runtimes.Resolved(layer.merged(), resolved.manifest());
            }
            mounts = RootPlan.of(spec, root, workspace, identity);
            job = new Job(owner, id, spec, warm != null ? warm.cgroup() : owner.host().createCgroup(shortId, id, spec),
                    workspace, spill, identity, lease);
            job.layer = layer;
            job.warm = warm;
        } catch (JobStartException | RuntimeException e) {
            LogSpill s = spill;
            Workspace ws = workspace;
            WritableLayer l = layer;
            undo(() -> abandon(warm, s, ws, l)); // the job, which would own it, was not made
            throw e;
        }
        try {
            job.net = JobNetworking.prepare(spec, id, job.hostname());
        } catch (JobStartException | RuntimeException e) {
            LogSpill s = spill;
            Workspace ws = workspace;
            WritableLayer l = layer;
            undo(() -> {
                job.removeCgroup();
                abandon(null, s, ws, l);
            });
            throw e;
        }
        try {
            LaunchRequest request = job.request(JobNetworking.withHosts(mounts, job.net), resolved);
            WarmPool.Entry w = job.warm;
            if (w != null && w.helper().rootBuilt() && !w.helper().rootBuiltFor(request)) {
                // Its root was built for other jobs: start cold, in its cgroup, with the exact limits.
                w.helper().close();
                job.warm = null;
                if (job.cgroup != null) {
                    job.cgroup.applyLimits(Host.cgroupLimits(spec, 0));
                }
                w = null;
                request = job.request(JobNetworking.withHosts(mounts, job.net), resolved);
            }
            try {
                if (w != null) {
                    job.process = w.helper().launch(request, job.new Output());
                } else {
                    Launcher launcher = owner.launcher();
                    OutputHandler output = job.new Output();
                    // A cold start with only a loopback network joins a namespace made ahead instead of making one
                    // (the lease is taken last: FreshNetns.launch closes it whatever happens).
                    FreshNetns.Lease netns = spec.network() == Network.NONE && job.net == null
                            && !owner.host().rootless() && !spec.security().rootInUserNamespace() ? owner.takeNetns()
                            : null;
                    job.process = FreshNetns.launch(launcher, request, netns, output, owner::netnsJoinFailed);
                }
            } catch (IOException | RuntimeException e) {
                owner.warmPool().refill();
                throw e;
            }
            // The refill would compete with the job on a small machine: it starts when the job has ended, or
            // after a few milliseconds if it runs on.
            WarmPool pool = owner.warmPool();
            Events.executor().schedule(pool::refill, 5, TimeUnit.MILLISECONDS);
            if (w != null) {
                pool.learn(spec, request, identity);
            } else if (pool.kindFor(spec) != null) { // a cold start of a kind the pool serves: learn its root
                pool.learn(spec, job.request(JobNetworking.withHosts(mounts, job.net), resolved, false), identity);
            }
        } catch (IOException | RuntimeException e) {
            LogSpill s = spill;
            Workspace ws = workspace;
            WritableLayer l = layer;
            undo(() -> {
                if (job.warm != null) {
                    job.warm.helper().close();
                }
                job.removeCgroup();
                job.releaseNetwork();
                abandon(null, s, ws, l);
                job.networkReleased.join();
            });
            throw job.startFailure(e);
        }
        LaunchedProcess p = job.process;
        p.onExit().whenComplete(job::exited);
        // The kernel kills the job with its supervisor (parent-death signal); its cgroup is killed too, in case
        // anything of it could survive that (a set-uid PID 1 loses the signal).
        p.onSupervisorLost().thenRunAsync(job::killCgroup, Events.executor());
        spec.timeout().ifPresent(t -> {
            synchronized (job.lock) {
                job.timeoutTask = Events.executor().schedule(
                        () -> job.stop(EndReason.TIMED_OUT, spec.stopGrace()), t.toNanos(), TimeUnit.NANOSECONDS);
            }
        });
        log.debug("job {} started: pid {}", shortId, p.pid());
        return job;
    }

    /** Releases what a start that failed had made on the host, so that nothing of it remains. */
    private static void abandon(WarmPool.@Nullable Entry warm, @Nullable LogSpill spill, @Nullable Workspace workspace,
            @Nullable WritableLayer layer) {
        if (warm != null) {
            warm.discard();
        }
        closeQuietly(spill);
        if (workspace != null) {
            workspace.close();
        }
        if (layer != null) {
            layer.close();
        }
    }

    private static void closeQuietly(@Nullable LogSpill spill) {
        if (spill != null) {
            try {
                spill.close();
            } catch (IOException e) {
                log.warn("cannot remove log spill {}: {}", spill.directory(), e.getMessage());
            }
        }
    }

    private LaunchRequest request(List<dev.joblet.namespaces.MountOp> mounts, Runtimes.@Nullable Resolved resolved)
            throws IOException {
        return request(mounts, resolved, warm == null);
    }

    /** {@code withCgroupFiles}: false for a job that inherits its cgroup from a warm supervisor. */
    private LaunchRequest request(List<dev.joblet.namespaces.MountOp> mounts, Runtimes.@Nullable Resolved resolved,
            boolean withCgroupFiles) throws IOException {
        List<String> env = new ArrayList<>();
        Map<String, String> vars = new java.util.LinkedHashMap<>();
        if (resolved != null && resolved.manifest() != null) {
            vars.putAll(resolved.manifest().env()); // the runtime's defaults; the spec's own variables win
        }
        vars.putAll(spec.env());
        if (!vars.containsKey("PATH")) {
            env.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        if (!vars.containsKey("HOME")) {
            env.add("HOME=/work");
        }
        if (!vars.containsKey("TERM")) {
            env.add("TERM=xterm");
        }
        vars.forEach((k, v) -> env.add(k + "=" + v));
        LaunchRequest.Builder b = LaunchRequest.builder()
                .argv(spec.command())
                .env(env)
                .hostname(hostname())
                .workdir(spec.workdir())
                .stagingDir(owner.host().stagingDir())
                .network(spec.network() != Network.HOST)
                .netns(net == null ? null : net.netnsPath())
                .mounts(mounts)
                .stdin(spec.stdin().orElse(null))
                .tty(spec.tty());
        spec.cpus().ifPresent(c -> b.cpuAffinity(c.toBitSet()));
        owner.host().applySecurity(spec.security(), identity, b);
        if (cgroup != null && withCgroupFiles) { // a warm supervisor's job inherits its cgroup
            // Cloned straight into its cgroup2 directory (v2, or hybrid's unified one), then the v1 ones by their
            // tasks files: no cgroup.procs write, which may wait out an RCU grace period, on the start path.
            Path into = cgroup.cloneIntoDirectory().orElse(null);
            List<Path> join = new ArrayList<>(cgroup.joinFiles());
            if (into != null) {
                join.remove(into.resolve("cgroup.procs"));
            }
            b.cgroupProcsFiles(join);
            b.cgroup2Dir(into);
        }
        return b.build();
    }

    private JobStartException startFailure(Exception e) {
        String program = spec.command().get(0);
        if (e instanceof LaunchException) {
            LaunchException le = (LaunchException) e;
            if (le.isCommandNotFound()) {
                return new JobStartException("\"" + program + "\": not found in runtime " + spec.runtime()
                        + " (job " + id.substring(0, 8) + ")", le.subject(), le.errnoName(), true, e);
            }
            return new JobStartException("cannot start job " + id.substring(0, 8) + " \"" + program + "\": "
                    + le.getMessage(), le.subject(), le.errnoName(), false, e);
        }
        return new JobStartException("cannot start job " + id.substring(0, 8) + " \"" + program + "\": " + e.getMessage(),
                "launch", null, false, e);
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
            Events.executor().execute(() -> finish(status, error, false));
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
        LaunchedProcess p = process;
        if (p == null || p.onReleased().isDone()) {
            if (inline) {
                Events.executor().execute(this::release);
            } else {
                release();
            }
        } else {
            p.onReleased().whenCompleteAsync((x, e) -> release(), Events.executor());
        }
    }

    private void release() {
        try {
            removeCgroup();
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
        Usage usage = Usage.NONE;
        if (cgroup != null) {
            try {
                usage = usage(cgroup.stats(), warm == null ? 0 : 1);
            } catch (IOException e) {
                log.warn("job {}: cannot read cgroup statistics: {}", id, e.getMessage());
            }
        }
        releaseNetwork();
        if (workspace != null) {
            workspace.jobEnded();
        }
        WritableLayer l = layer;
        if (l != null) {
            l.close(); // nothing of the job uses it any more
        }
        Instant end = Instant.now();
        JobResult r;
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (status == null && cause instanceof SupervisorDiedException) {
            // Its exit status died with the supervisor: neither an exit code nor a signal is known.
            r = new JobResult(id, stopped != null ? stopped : EndReason.SUPERVISOR_DIED, -1, 0, startedAt, end,
                    String.valueOf(cause.getMessage()), usage);
        } else if (status == null) {
            String why = error == null ? "unknown" : String.valueOf(error.getMessage());
            r = new JobResult(id, stopped != null ? stopped : EndReason.SIGNALLED, -1, SIGKILL, startedAt, end, why, usage);
        } else if (stopped != null) {
            r = new JobResult(id, stopped, status.signalled() ? -1 : status.code(), status.signalled() ? status.code() : 0,
                    startedAt, end, stopped == EndReason.TIMED_OUT ? "timed out after " + spec.timeout().orElseThrow() : "stopped",
                    usage);
        } else if (status.signalled()) {
            boolean oom = status.code() == SIGKILL && usage.oomKills() > 0;
            r = new JobResult(id, oom ? EndReason.OOM_KILLED : EndReason.SIGNALLED, -1, status.code(), startedAt, end,
                    oom ? "killed by the kernel: memory limit " + spec.memory().map(String::valueOf).orElse("") + " exceeded"
                            : "killed by signal " + status.code(),
                    usage);
        } else {
            r = new JobResult(id, EndReason.EXITED, status.code(), 0, startedAt, end, "", usage);
        }
        log.debug("job {} ended: {}", id.substring(0, 8), r);
        result.complete(r);
    }

    /** {@code supervisors}: processes of ours that were in the cgroup too (left out of the peak). */
    private static Usage usage(CgroupStats s, int supervisors) {
        long pids = s.pidsPeak() > supervisors ? s.pidsPeak() - supervisors : s.pidsPeak();
        return new Usage(s.cpuUserMicros(), s.cpuSystemMicros(), s.throttledMicros(), s.memoryPeakBytes(), pids,
                s.pidsMaxHits() > 0, Math.max(0, s.oomKills()), s.ioReadBytes(), s.ioWriteBytes());
    }

    private void removeCgroup() {
        if (cgroup == null) {
            return;
        }
        try {
            cgroup.remove();
        } catch (IOException e) {
            log.warn("job {}: cannot remove cgroup {}: {}", id, cgroup.name(), e.getMessage());
        }
    }

    private String hostname() {
        return spec.hostname().orElseGet(() -> defaultHostname(id));
    }

    /** The hostname of a job with id {@code id} that asked for none. */
    static String defaultHostname(String id) {
        return "job-" + id.substring(0, 8);
    }

    /** Frees the job's host name and ports now; its namespace goes in the background (close() waits for it). */
    private void releaseNetwork() {
        JobNetworking n = net;
        if (n != null) {
            networkReleased = n.release();
        }
    }

    /** The job's IPv4 address on its private network; empty for {@link Network#NONE} and {@link Network#HOST}. */
    public Optional<String> address() {
        JobNetworking n = net;
        return n == null ? Optional.empty() : Optional.of(n.address());
    }

    /** The port on the host's 127.0.0.1 where the job's {@code jobPort} is published (see {@link JobSpec.Builder#publish}). */
    public int publishedPort(int jobPort) {
        JobNetworking n = net;
        Integer p = n == null ? null : n.publishedPort(jobPort);
        if (p == null) {
            throw new IllegalArgumentException("jobPort (" + jobPort + ") is not published by job " + id.substring(0, 8));
        }
        return p;
    }

    /**
     * Delivers output into the bounded buffers; runs on the I/O thread and never blocks. A stream's pipe is held
     * ({@link #full}) while a lossless reader of that stream's buffer, or a lossless subscriber of the log, is a
     * whole retention behind.
     */
    private final class Output implements OutputHandler {
        @Override
        public void onOutput(Stream stream, byte[] data, int off, int len) {
            (stream == Stream.STDOUT ? stdout : stderr).append(data, off, len);
            logs.append(stream == Stream.STDOUT ? LogEvent.Source.STDOUT : LogEvent.Source.STDERR, data, off, len);
        }

        /** The bytes are handed over: one chunk shared by the log, the stream's buffer and the subscribers. */
        @Override
        public void onOutputShared(Stream stream, byte[] data, int off, int len) {
            LogEvent.Source source = stream == Stream.STDOUT ? LogEvent.Source.STDOUT : LogEvent.Source.STDERR;
            (stream == Stream.STDOUT ? stdout : stderr).appendDeferred(data, off, len);
            logs.appendDeferred(LogEvent.Data.wrap(source, logs.size(), java.time.Instant.now(), data, off, len));
        }

        @Override
        public void onFlush(Stream stream) {
            (stream == Stream.STDOUT ? stdout : stderr).flush();
            logs.flush();
        }

        @Override
        public boolean lagging(Stream stream) {
            return logs.lagging();
        }

        @Override
        public boolean full(Stream stream) {
            return (stream == Stream.STDOUT ? stdout : stderr).full() || logs.full();
        }

        /** Both the stream's buffer and the log must have room: the second is asked once the first has. */
        @Override
        public void whenRoom(Stream stream, Runnable resume) {
            (stream == Stream.STDOUT ? stdout : stderr).whenRoom(() -> logs.whenRoom(resume));
        }

        @Override
        public void onEnd(Stream stream) {
            (stream == Stream.STDOUT ? stdout : stderr).end();
            logs.end(stream == Stream.STDOUT ? LogEvent.Source.STDOUT : LogEvent.Source.STDERR);
        }
    }

    /** The job's id (a UUID); its first 8 characters identify it in messages and as its default hostname. */
    public String id() {
        return id;
    }

    public JobSpec spec() {
        return spec;
    }

    /** The PID of the job's PID 1 as this JVM sees it. */
    public int pid() {
        return process().pid();
    }

    private LaunchedProcess process() {
        LaunchedProcess p = process;
        if (p == null) {
            throw new IllegalStateException("job " + id + " has no process");
        }
        return p;
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
        return stdout;
    }

    /**
     * Input typed into the job's terminal (jobs with {@code tty(true)} only). Writes block only while the
     * terminal's input queue is full; closing the stream does not end the job (type Ctrl-D, byte 4, for EOF).
     *
     * @throws IllegalStateException when the job has no terminal
     */
    public java.io.OutputStream terminalInput() {
        if (!spec.tty()) {
            throw new IllegalStateException("job " + id.substring(0, 8) + " has no terminal: start it with tty(true)");
        }
        return new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                process().writeInput(b, off, len);
            }
        };
    }

    /** Sets the job's terminal size (jobs with {@code tty(true)} only); its foreground process gets SIGWINCH. */
    public void resizeTerminal(int rows, int columns) throws IOException {
        if (!spec.tty()) {
            throw new IllegalStateException("job " + id.substring(0, 8) + " has no terminal: start it with tty(true)");
        }
        process().resizeTerminal(rows, columns);
    }

    /** The job's stderr; lossless streams, as {@link #stdout()}. */
    public LogStream stderr() {
        return stderr;
    }

    /**
     * stdout and stderr as one ordered, resumable log of stamped chunks, published to any number of
     * {@link java.util.concurrent.Flow.Subscriber}s, losslessly unless a subscriber asks for
     * {@link JobLog.Delivery#LOSSY}; see {@link JobLog}.
     */
    public JobLog logs() {
        return logs;
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
        long nanos = dev.joblet.internal.Args.saturated(dev.joblet.internal.Args.nonNull(timeout, "await timeout")).toNanos();
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
        dev.joblet.internal.Args.nonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace (" + grace + ") must not be negative");
        }
        // A grace beyond about 292 years is taken as that: the SIGKILL is scheduled, never overflowed.
        stop(EndReason.STOPPED, dev.joblet.internal.Args.saturated(grace));
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
        // A TERM that PID 1 neither catches nor blocks is dropped by the kernel: waiting the grace would be for nothing.
        LaunchedProcess p = process();
        boolean caught = !grace.isZero() && p.catches(SIGTERM);
        if (grace.isZero() || (!caught && !p.deliverable(SIGTERM))) {
            kill();
            return;
        }
        signal(SIGTERM);
        Events.executor().schedule(this::kill, grace.toNanos(), TimeUnit.NANOSECONDS);
        if (!caught && grace.compareTo(RECHECK) > 0) {
            // Only blocked, which may have been for a moment (a shell blocks every signal around a fork): once it is
            // unblocked without a handler or a sigwait, the TERM is gone and the grace would be waited for nothing.
            Events.executor().schedule(() -> {
                if (!result.isDone() && !p.deliverable(SIGTERM)) {
                    kill();
                }
            }, RECHECK.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void kill() {
        if (result.isDone()) {
            return;
        }
        signal(SIGKILL); // PID 1's death takes every process of its namespace with it
        // A warm supervisor shares the job's cgroup: a cgroup kill would take it (and the exit status) too. The
        // namespace's death is enough; should the supervisor fail, finish() kills the cgroup before removing it.
        if (cgroup != null && warm == null) {
            try {
                cgroup.kill();
            } catch (IOException e) {
                log.debug("job {}: cgroup kill: {}", id, e.getMessage());
            }
        }
    }

    /** The supervisor died without reporting: nothing of the job may outlive it. */
    private void killCgroup() {
        if (cgroup != null && !result.isDone()) {
            try {
                cgroup.kill();
            } catch (IOException e) {
                log.debug("job {}: cgroup kill: {}", id, e.getMessage());
            }
        }
    }

    private void signal(int sig) {
        try {
            process().signal(sig);
        } catch (IOException e) {
            log.debug("job {}: signal {}: {}", id, sig, e.getMessage());
        }
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
            logs.closeSpill();
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
        return "Job{" + id.substring(0, 8) + " " + spec.command().get(0) + (isAlive() ? " running}" : " ended}");
    }
}
