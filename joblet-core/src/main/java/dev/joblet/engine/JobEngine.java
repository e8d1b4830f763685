package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.JobId;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

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
    /** What {@link #close()} does to running jobs. */
    public enum OnClose {
        /** Stops them (SIGTERM, then SIGKILL after each spec's stop grace). */
        STOP,
        /** Waits for them to end by themselves. */
        DRAIN
    }

    final Object lock = new Object();
    private final SchedulingPolicy policy;
    private final CpuSet corePool;
    private final OnClose onClose;
    // Guarded by lock; shared with the dispatcher, which adds, ends and forgets.
    private final Registry jobs;
    private final Dispatcher dispatcher;

    private JobEngine(Builder b) {
        this.policy = b.policy;
        Launches launches = new Launches(b.launchThreads, b.launchExecutor);
        this.corePool = b.corePool != null ? b.corePool : dev.joblet.internal.HostFacts.allowedCpus();
        this.jobs = new Registry(b.retainFinished);
        this.onClose = b.onClose;
        this.dispatcher = new Dispatcher(lock, policy, b.clock, b.launcher, launches, corePool, jobs,
                List.copyOf(b.listeners));
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
        return dispatcher.submit(this, spec, options);
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

    /**
     * The job with this id.
     *
     * @throws IllegalArgumentException when the engine retains no job of this id
     */
    public JobHandle get(JobId id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException(
                "job (" + id + ") is unknown: no job of this engine has this id"));
    }

    /** The job with this id, when the engine still retains it. */
    public Optional<JobHandle> find(JobId id) {
        dev.joblet.internal.Args.nonNull(id, "job");
        synchronized (lock) {
            return Optional.ofNullable(jobs.get(id));
        }
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

    boolean cancel(JobHandle h) {
        return dispatcher.cancel(h);
    }

    /**
     * Stops accepting jobs, cancels the SCHEDULED and QUEUED ones, stops or drains the running ones (see
     * {@link OnClose}) and waits until they have ended and the engine's threads are gone. Idempotent.
     */
    @Override
    public void close() {
        dispatcher.close(onClose);
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
