package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.engine.SchedulingView.Placement;
import dev.joblet.engine.SchedulingView.RunningJob;
import dev.joblet.engine.SchedulingView.WaitingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs submitted jobs when a {@link SchedulingPolicy} says so: a queue with a concurrency limit, priorities, delayed
 * and scheduled starts and exclusive cores (with {@link StandardPolicy}), and a registry of the jobs it knows.
 * Thread-safe. {@code JobSpec.start()} still starts a job directly, outside any engine.
 *
 * <pre>{@code
 * try (JobEngine engine = JobEngine.builder().policy(StandardPolicy.builder().maxConcurrent(2).build()).build()) {
 *     JobHandle h = engine.submit(spec, SubmitOptions.defaults().priority(5).cores(1));
 *     JobResult r = h.result().get();
 * }
 * }</pre>
 *
 * <p><b>Closing</b> stops accepting work, cancels every SCHEDULED and QUEUED job, and then, per
 * {@link Builder#onClose}, stops the running jobs ({@link OnClose#STOP}, the default) or lets them end by
 * themselves ({@link OnClose#DRAIN}); then it closes every job it launched ({@link JobLauncher.Launched#close()}:
 * a retained workspace and a log spill go too, so a job's workspace is readable until the engine closes or forgets
 * the job) and returns when nothing of any job remains and the engine's threads are gone. A handle's
 * {@link JobHandle#id() id} is its job's {@link dev.joblet.Job#id() id} and its result's {@link JobResult#jobId() id}.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);

    /** What {@link #close()} does to running jobs. */
    public enum OnClose {
        /** Stops them (SIGTERM, then SIGKILL after each spec's stop grace). */
        STOP,
        /** Waits for them to end by themselves. */
        DRAIN
    }

    final Object lock = new Object();
    private final SchedulingPolicy policy;
    private final EngineClock clock;
    private final JobLauncher launcher;
    private final Launches launches;
    private final CpuSet corePool;
    private final OnClose onClose;
    private final List<StateListener> listeners;
    private final AtomicLong sequence = new AtomicLong();
    private final View view;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    // Guarded by lock.
    private final Registry jobs;
    private final List<WaitingJob> waiting = new ArrayList<>();
    private final Map<String, JobHandle> active = new LinkedHashMap<>();
    private final List<RunningJob> running = new ArrayList<>();
    private final BitSet freeCores;
    private boolean closed;
    /** Launched jobs of handles the registry forgot, still to be closed ({@link #closeForgotten}). */
    private final List<JobLauncher.Launched> forgotten = new ArrayList<>();

    private JobEngine(Builder b) {
        this.policy = b.policy;
        this.clock = b.clock;
        this.launcher = b.launcher;
        this.launches = new Launches(b.launchThreads, b.launchExecutor);
        this.corePool = b.corePool != null ? b.corePool : dev.joblet.internal.HostFacts.allowedCpus();
        this.freeCores = corePool.toBitSet();
        this.jobs = new Registry(b.retainFinished);
        this.onClose = b.onClose;
        this.listeners = List.copyOf(b.listeners);
        this.view = new View();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Submits a job to start as soon as the policy allows, with priority 0 and no exclusive cores. */
    public JobHandle submit(JobSpec spec) {
        return submit(spec, SubmitOptions.defaults());
    }

    /**
     * Submits a job. Returns at once with its handle (SCHEDULED when its start time is in the future, else QUEUED,
     * or already further on).
     *
     * @throws IllegalArgumentException when the job could never start here: more cores than the pool has, cores
     *     together with the spec's own cpus, or what the policy rejects (e.g. memory above the budget)
     * @throws IllegalStateException when the engine is closed
     */
    public JobHandle submit(JobSpec spec, SubmitOptions options) {
        dev.joblet.internal.Args.nonNull(spec, "spec");
        dev.joblet.internal.Args.nonNull(options, "options");
        if (options.cores() > 0 && spec.cpus().isPresent()) {
            throw new IllegalArgumentException("cores (" + options.cores() + ") cannot be combined with the spec's cpus ("
                    + spec.cpus().get() + "): ask for a number of cores or list them, not both");
        }
        if (options.cores() > corePool.size()) {
            throw new IllegalArgumentException("cores (" + options.cores() + ") exceeds the engine's core pool ("
                    + corePool + ", " + corePool.size() + " cores)");
        }
        policy.validate(spec, options);
        JobHandle h;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the engine is closed: no job can be submitted");
            }
            Instant now = clock.now();
            Instant notBefore = options.notBefore(now);
            WaitingJob w = new WaitingJob(UUID.randomUUID().toString(), spec, options, now, notBefore,
                    sequence.incrementAndGet());
            boolean later = notBefore.isAfter(now);
            h = new JobHandle(this, w, later ? JobState.SCHEDULED : JobState.QUEUED);
            jobs.add(h);
            if (later) {
                h.timer = clock.schedule(notBefore, () -> due(h));
            } else {
                waiting.add(w);
            }
            log.debug("job {} submitted: {} {}", h.shortId(), spec, options);
        }
        dispatch();
        return h;
    }

    /** Every job the engine knows (waiting, running, and finished ones still retained), in submission order. */
    public List<JobHandle> list() {
        synchronized (lock) {
            return jobs.all();
        }
    }

    /**
     * The job with this id, or with an id starting with this prefix.
     *
     * @throws IllegalArgumentException when no retained job matches, or when the prefix matches more than one
     */
    public JobHandle get(String idOrPrefix) {
        return find(idOrPrefix).orElseThrow(() -> new IllegalArgumentException(
                "job (" + idOrPrefix + ") is unknown: no job of this engine has this id or prefix"));
    }

    /** Like {@link #get}, but empty when none matches; still throws when the prefix is ambiguous. */
    public Optional<JobHandle> find(String idOrPrefix) {
        dev.joblet.internal.Args.nonNull(idOrPrefix, "job");
        synchronized (lock) {
            return jobs.find(idOrPrefix);
        }
    }

    public SchedulingPolicy policy() {
        return policy;
    }

    public CpuSet corePool() {
        return corePool;
    }

    private void due(JobHandle h) {
        synchronized (lock) {
            if (h.state != JobState.SCHEDULED) {
                return;
            }
            h.timer = null;
            h.moveTo(JobState.QUEUED);
            waiting.add(h.waiting());
        }
        h.deliver(listeners);
        dispatch();
    }

    /** Asks the policy for placements until it says none, then launches them outside the lock. */
    private void dispatch() {
        List<JobHandle> chosen = new ArrayList<>();
        synchronized (lock) {
            while (!closed && !waiting.isEmpty()) {
                Optional<Placement> p;
                try {
                    p = policy.next(view);
                } catch (RuntimeException e) {
                    log.error("scheduling policy {} failed; nothing starts this round", policy, e);
                    break;
                }
                if (p.isEmpty()) {
                    break;
                }
                String refusal = refusal(p.get());
                if (refusal != null) {
                    log.error("scheduling policy {} chose an impossible placement: {}", policy, refusal);
                    break;
                }
                chosen.add(place(p.get()));
            }
        }
        for (JobHandle h : chosen) {
            h.deliver(listeners);
            launches.execute(() -> launch(h));
        }
    }

    @SuppressWarnings("ReferenceEquality") // the very entry this placement was made for, not an equal one
    private @Nullable String refusal(Placement p) {
        WaitingJob w = p.job();
        JobHandle h = jobs.get(w.id());
        if (h == null || h.state != JobState.QUEUED || h.waiting() != w) {
            return "job " + w.id() + " is not waiting";
        }
        int asked = w.options().cores();
        CpuSet c = p.cores();
        if (asked == 0) {
            return c == null ? null : "job " + h.shortId() + " asked for no exclusive cores but was given " + c;
        }
        if (c == null || c.size() != asked) {
            return "job " + h.shortId() + " asked for " + asked + " cores but was given " + (c == null ? "none" : c);
        }
        BitSet notFree = c.toBitSet();
        notFree.andNot(freeCores);
        return notFree.isEmpty() ? null : "job " + h.shortId() + " was given cores " + c + " of which "
                + CpuSet.of(notFree) + " are not free in the pool " + corePool;
    }

    /** Only with a placement {@link #refusal} accepted: its job is known and waiting. */
    private JobHandle place(Placement p) {
        JobHandle h = Objects.requireNonNull(jobs.get(p.job().id()), "placed job");
        waiting.remove(p.job());
        CpuSet c = p.cores();
        if (c != null) {
            freeCores.andNot(c.toBitSet());
            h.cores = c;
        }
        h.running = new RunningJob(h.id(), h.spec(), h.options(), c);
        running.add(h.running);
        active.put(h.id(), h);
        h.moveTo(JobState.STARTING);
        return h;
    }

    /** Runs on a launch thread (or the caller's, with a direct executor). */
    private void launch(JobHandle h) {
        JobSpec spec = h.spec();
        JobSpec.Builder b = null;
        if (h.cores != null) {
            b = spec.toBuilder().cpus(h.cores);
        }
        if (spec.hostname().isEmpty()) {
            b = (b != null ? b : spec.toBuilder()).hostname("job-" + h.shortId());
        }
        if (b != null) {
            spec = b.build();
        }
        JobLauncher.Launched l;
        try {
            l = launcher.launch(h.id(), spec);
        } catch (Exception e) {
            ended(h, null, e);
            return;
        }
        boolean stop;
        synchronized (lock) {
            h.launched = l;
            h.startedAt = clock.now();
            h.moveTo(JobState.RUNNING);
            stop = h.stopRequested;
        }
        h.deliver(listeners);
        if (stop) {
            l.stop(spec.stopGrace());
        }
        l.onExit().whenComplete((r, e) -> ended(h, r, e));
    }

    private void ended(JobHandle h, @Nullable JobResult r, @Nullable Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        boolean last;
        synchronized (lock) {
            active.remove(h.id());
            running.remove(h.running);
            if (h.cores != null) {
                freeCores.or(h.cores.toBitSet());
            }
            h.result = r;
            if (r == null) {
                h.failure = cause == null ? "ended without a result" : String.valueOf(cause.getMessage());
            }
            h.moveTo(r != null ? JobState.FINISHED : JobState.FAILED);
            forgetBeyondBound(h);
            last = closed && active.isEmpty();
        }
        closeForgotten();
        h.deliver(listeners);
        if (r != null) {
            h.done().complete(r);
        } else {
            h.done().completeExceptionally(cause != null ? cause : new IllegalStateException(h.failure));
        }
        if (last) {
            drained.complete(null);
        }
        dispatch();
    }

    boolean cancel(JobHandle h) {
        JobLauncher.Launched stop = null;
        synchronized (lock) {
            switch (h.state) {
                case SCHEDULED:
                case QUEUED:
                    cancelWaiting(h, "cancelled");
                    break;
                case STARTING:
                    h.stopRequested = true;
                    return false;
                case RUNNING:
                    h.stopRequested = true;
                    stop = h.launched;
                    break;
                default:
                    return false;
            }
        }
        if (stop != null) {
            stop.stop(h.spec().stopGrace());
            return false;
        }
        finishCancel(h);
        dispatch(); // the cancelled job may have been the one others waited behind
        return true;
    }

    /** Holds lock. */
    private void cancelWaiting(JobHandle h, String why) {
        if (h.timer != null) {
            h.timer.run();
            h.timer = null;
        }
        waiting.remove(h.waiting());
        h.failure = why;
        h.moveTo(JobState.CANCELLED);
        forgetBeyondBound(h);
    }

    /** Records that {@code h} ended; the jobs of the handles the registry forgets are to be closed. Holds lock. */
    private void forgetBeyondBound(JobHandle h) {
        for (JobHandle old : jobs.ended(h)) {
            if (old.launched != null) {
                forgotten.add(old.launched);
            }
        }
    }

    /**
     * Closes the jobs of forgotten handles, on a launch thread: closing waits until nothing of a job remains, which
     * must not hold up the thread that completes results. Without lock.
     */
    private void closeForgotten() {
        List<JobLauncher.Launched> now;
        synchronized (lock) {
            if (forgotten.isEmpty()) {
                return;
            }
            now = List.copyOf(forgotten);
            forgotten.clear();
        }
        try {
            launches.execute(() -> now.forEach(JobEngine::closeQuietly));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            now.forEach(JobEngine::closeQuietly); // the engine is closing: its caller waits anyway
        }
    }

    private static void closeQuietly(JobLauncher.Launched l) {
        try {
            l.close();
        } catch (RuntimeException e) {
            log.warn("cannot close a job the engine launched: {}", e.toString());
        }
    }

    private void finishCancel(JobHandle h) {
        h.deliver(listeners);
        h.done().completeExceptionally(new CancellationException("job " + h.shortId() + " " + h.failure));
    }

    /**
     * Stops accepting jobs, cancels the SCHEDULED and QUEUED ones, stops or drains the running ones (see
     * {@link OnClose}) and waits until they have ended and the engine's threads are gone. Idempotent.
     */
    @Override
    public void close() {
        List<JobHandle> cancelled = new ArrayList<>();
        List<JobHandle> toStop = new ArrayList<>();
        synchronized (lock) {
            if (!closed) {
                closed = true;
                for (JobHandle h : jobs.all()) {
                    if (h.state == JobState.SCHEDULED || h.state == JobState.QUEUED) {
                        cancelWaiting(h, "cancelled: the engine closed");
                        cancelled.add(h);
                    }
                }
                for (JobHandle h : active.values()) {
                    if (onClose == OnClose.STOP) {
                        h.stopRequested = true;
                        if (h.launched != null) {
                            toStop.add(h);
                        }
                    }
                }
                if (active.isEmpty()) {
                    drained.complete(null);
                }
                log.debug("engine closing: {} cancelled, {} running ({})", cancelled.size(), active.size(), onClose);
            }
        }
        cancelled.forEach(this::finishCancel);
        closeForgotten();
        for (JobHandle h : toStop) {
            JobLauncher.Launched l = h.launched;
            if (l != null) {
                l.stop(h.spec().stopGrace());
            }
        }
        boolean interrupted = false;
        while (true) {
            try {
                drained.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        launches.shutdown(); // after the closes of forgotten jobs queued there
        List<JobLauncher.Launched> launched = new ArrayList<>();
        synchronized (lock) {
            for (JobHandle h : jobs.all()) {
                if (h.launched != null) {
                    launched.add(h.launched);
                }
            }
            launched.addAll(forgotten);
            forgotten.clear();
        }
        launched.forEach(JobEngine::closeQuietly); // every job is over: this releases what they kept
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The policy's window on the engine; used only under lock. */
    private final class View implements SchedulingView {
        private final List<WaitingJob> waitingView = Collections.unmodifiableList(waiting);
        private final List<RunningJob> runningView = Collections.unmodifiableList(running);

        @Override
        public Instant now() {
            return clock.now();
        }

        @Override
        public List<WaitingJob> waiting() {
            return waitingView;
        }

        @Override
        public List<RunningJob> running() {
            return runningView;
        }

        @Override
        public CpuSet corePool() {
            return corePool;
        }

        @Override
        public BitSet freeCores() {
            return (BitSet) freeCores.clone();
        }
    }

    /** Configures a {@link JobEngine}. Not thread-safe. */
    public static final class Builder {
        private SchedulingPolicy policy = SchedulingPolicy.standard();
        private EngineClock clock = EngineClock.system();
        private JobLauncher launcher = JobLauncher.system();
        private @Nullable CpuSet corePool;
        private int retainFinished = 1000;
        private int launchThreads = Math.max(2, java.lang.Runtime.getRuntime().availableProcessors());
        private java.util.concurrent.@Nullable Executor launchExecutor;
        private OnClose onClose = OnClose.STOP;
        private final List<StateListener> listeners = new ArrayList<>();

        private Builder() {}

        /** Who decides what starts (default {@link SchedulingPolicy#standard()}). */
        public Builder policy(SchedulingPolicy value) {
            policy = Objects.requireNonNull(value, "policy");
            return this;
        }

        /** The engine's time and timers (default {@link EngineClock#system()}); tests give a fake one. */
        public Builder clock(EngineClock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Starts the engine's jobs on {@code joblet} (default {@link dev.joblet.Joblet#system()}), which the caller
         * owns and closes after the engine; same as {@code launcher(JobLauncher.of(joblet))}.
         */
        public Builder joblet(dev.joblet.Joblet joblet) {
            launcher = JobLauncher.of(joblet);
            return this;
        }

        /** How jobs are started (default {@link JobLauncher#system()}); tests give a fake one. */
        public Builder launcher(JobLauncher value) {
            launcher = Objects.requireNonNull(value, "launcher");
            return this;
        }

        /**
         * The cores exclusive jobs are given (default: every CPU this process may use). They must be CPUs this
         * process may use.
         */
        public Builder corePool(CpuSet pool) {
            dev.joblet.internal.Args.nonNull(pool, "corePool");
            CpuSet allowed = dev.joblet.internal.HostFacts.allowedCpus();
            if (!pool.isSubsetOf(allowed)) {
                throw new IllegalArgumentException("corePool (" + pool + ") must be among the CPUs this process may use: "
                        + allowed);
            }
            corePool = pool;
            return this;
        }

        /** How many ended jobs the registry keeps (default 1000); the oldest ended are forgotten first. */
        public Builder retainFinished(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("retainFinished (" + n + ") must not be negative");
            }
            retainFinished = n;
            return this;
        }

        /**
         * Threads that build sandboxes in parallel (default: the number of CPUs, at least 2). They exist only
         * while there is work and are gone when {@link JobEngine#close()} returns.
         */
        public Builder launchThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("launchThreads (" + n + ") must be at least 1");
            }
            launchThreads = n;
            return this;
        }

        /**
         * Runs launches on this executor instead of the engine's own threads (the engine does not shut it down).
         * {@code Runnable::run} launches on the thread that made the decision, which makes tests deterministic.
         */
        public Builder launchExecutor(java.util.concurrent.Executor executor) {
            launchExecutor = Objects.requireNonNull(executor, "launchExecutor");
            return this;
        }

        /** What {@link JobEngine#close()} does to running jobs (default {@link OnClose#STOP}). */
        public Builder onClose(OnClose value) {
            onClose = Objects.requireNonNull(value, "onClose");
            return this;
        }

        /** Told of every state change of every job, before the job's own listeners. */
        public Builder listener(StateListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        public JobEngine build() {
            return new JobEngine(this);
        }
    }
}
