package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.Job;
import dev.joblet.JobId;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.engine.SchedulingView.RunningJob;
import dev.joblet.engine.SchedulingView.WaitingJob;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job submitted to a {@link JobEngine}, from its submission on: its state, its result, a way to cancel it.
 * Thread-safe.
 */
public final class JobHandle {
    private static final Logger log = LoggerFactory.getLogger(JobHandle.class);

    private final JobEngine engine;
    private final WaitingJob waiting;
    private final CompletableFuture<JobResult> done = new CompletableFuture<>();
    private final List<StateListener> listeners = new CopyOnWriteArrayList<>();
    /** State changes not yet told to listeners, in order. Guarded by itself. */
    private final ArrayDeque<JobState[]> pending = new ArrayDeque<>();
    private boolean delivering; // guarded by pending

    // Guarded by the engine's lock.
    JobState state;
    @Nullable CpuSet cores;
    @Nullable Instant startedAt;
    @Nullable JobResult result;
    @Nullable String failure;
    JobLauncher.@Nullable Launched launched;
    @Nullable Runnable timer;
    @Nullable RunningJob running;
    boolean stopRequested;

    JobHandle(JobEngine engine, WaitingJob waiting, JobState initial) {
        this.engine = engine;
        this.waiting = waiting;
        this.state = initial;
    }

    /**
     * The engine's id of the job, which its {@link Job} and result share; {@link JobEngine#get} also finds it by a
     * unique prefix.
     */
    public JobId id() {
        return waiting.id();
    }

    public JobSpec spec() {
        return waiting.spec();
    }

    public SubmitOptions options() {
        return waiting.options();
    }

    public JobState state() {
        synchronized (engine.lock) {
            return state;
        }
    }

    public JobStatus status() {
        synchronized (engine.lock) {
            return new JobStatus(id(), state, options().priority(), waiting.submittedAt(), waiting.notBefore(), cores,
                    startedAt, result, failure);
        }
    }

    /** The running {@link Job} once RUNNING (and after), when the engine's launcher makes real jobs. */
    public Optional<Job> job() {
        JobLauncher.Launched l;
        synchronized (engine.lock) {
            l = launched;
        }
        return l == null ? Optional.empty() : l.job();
    }

    /**
     * Completes with the job's result when it FINISHED; fails with a
     * {@link java.util.concurrent.CancellationException} as the cause when it was CANCELLED, and with the launch
     * failure (e.g. a {@link dev.joblet.JobStartException}) when it FAILED. A copy: completing it does nothing to the job.
     */
    public CompletableFuture<JobResult> result() {
        return done.copy();
    }

    /**
     * Cancels the job. A SCHEDULED or QUEUED job is removed at once, becomes CANCELLED and never runs: returns
     * true. A STARTING or RUNNING job is stopped (SIGTERM, then SIGKILL after its spec's stop grace) and ends
     * FINISHED with reason STOPPED: returns false, as does a job already in a terminal state.
     */
    public boolean cancel() {
        return engine.cancel(this);
    }

    /** Tells {@code listener} of every later state change of this job. */
    public void addListener(StateListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(StateListener listener) {
        listeners.remove(listener);
    }

    WaitingJob waiting() {
        return waiting;
    }

    CompletableFuture<JobResult> done() {
        return done;
    }

    /** Changes the state; the caller holds the engine's lock and calls {@link #deliver} after releasing it. */
    void moveTo(JobState to) {
        JobState from = state;
        state = to;
        synchronized (pending) {
            pending.add(new JobState[] {from, to});
        }
        log.debug("job {}: {} -> {}", id().shortForm(), from, to);
    }

    /** Tells listeners of pending changes, in order; called without the engine's lock. */
    void deliver(List<StateListener> engineListeners) {
        while (true) {
            JobState[] change;
            synchronized (pending) {
                if (delivering) {
                    return; // the thread delivering now will see our changes
                }
                change = pending.poll();
                if (change == null) {
                    return;
                }
                delivering = true;
            }
            try {
                tell(engineListeners, change);
                tell(listeners, change);
            } finally {
                synchronized (pending) {
                    delivering = false;
                }
            }
        }
    }

    private void tell(List<StateListener> to, JobState[] change) {
        for (StateListener l : to) {
            try {
                l.changed(this, change[0], change[1]);
            } catch (RuntimeException e) {
                log.warn("job {}: state listener failed on {} -> {}", id().shortForm(), change[0], change[1], e);
            }
        }
    }

    @Override
    public String toString() {
        return "JobHandle{" + id().shortForm() + " " + spec().command().get(0) + " " + state() + "}";
    }
}
