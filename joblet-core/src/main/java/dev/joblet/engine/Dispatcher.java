package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.JobId;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.engine.SchedulingView.Placement;
import dev.joblet.engine.SchedulingView.RunningJob;
import dev.joblet.engine.SchedulingView.WaitingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatch of a {@link JobEngine}, apart from its API and configuration: what waits, what runs and which cores
 * are free, the policy's {@link SchedulingView}, launching placed jobs, ending and cancelling them (keeping the
 * engine's {@link Registry} current), and closing. Guarded by the engine's lock; made by its {@link JobEngine},
 * whose {@code close()} closes it.
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);

    private final Object lock;
    private final SchedulingPolicy policy;
    private final EngineClock clock;
    private final JobLauncher launcher;
    private final Launches launches;
    private final CpuSet corePool;
    private final List<StateListener> listeners;
    private final AtomicLong sequence = new AtomicLong();
    private final EngineView view;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    // Guarded by lock.
    private final Registry jobs;
    private final List<WaitingJob> waiting = new ArrayList<>();
    private final Map<JobId, JobHandle> active = new LinkedHashMap<>();
    private final List<RunningJob> running = new ArrayList<>();
    private final BitSet freeCores;
    private boolean closed;
    /** Launched jobs of handles the registry forgot, still to be closed ({@link #closeForgotten}). */
    private final List<JobLauncher.Launched> forgotten = new ArrayList<>();

    Dispatcher(Object lock, SchedulingPolicy policy, EngineClock clock, JobLauncher launcher, Launches launches,
            CpuSet corePool, Registry jobs, List<StateListener> listeners) {
        this.lock = lock;
        this.policy = policy;
        this.clock = clock;
        this.launcher = launcher;
        this.launches = launches;
        this.corePool = corePool;
        this.freeCores = corePool.toBitSet();
        this.jobs = jobs;
        this.listeners = listeners;
        this.view = new EngineView(clock, waiting, running, corePool, freeCores);
    }

    /** The part of {@link JobEngine#submit(JobSpec, SubmitOptions)} after validation. */
    JobHandle submit(JobEngine engine, JobSpec spec, SubmitOptions options) {
        JobHandle h;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the engine is closed: no job can be submitted");
            }
            Instant now = clock.now();
            Instant notBefore = options.notBefore(now);
            WaitingJob w = new WaitingJob(JobId.random(), spec, options, now, notBefore,
                    sequence.incrementAndGet());
            boolean later = notBefore.isAfter(now);
            h = new JobHandle(engine, w, later ? JobState.SCHEDULED : JobState.QUEUED);
            jobs.add(h);
            if (later) {
                h.timer = clock.schedule(notBefore, () -> due(h));
            } else {
                waiting.add(w);
            }
            log.debug("job {} submitted: {} {}", h.id().shortForm(), spec, options);
        }
        dispatch();
        return h;
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
            return c == null ? null : "job " + h.id().shortForm() + " asked for no exclusive cores but was given " + c;
        }
        if (c == null || c.size() != asked) {
            return "job " + h.id().shortForm() + " asked for " + asked + " cores but was given " + (c == null ? "none" : c);
        }
        BitSet notFree = c.toBitSet();
        notFree.andNot(freeCores);
        return notFree.isEmpty() ? null : "job " + h.id().shortForm() + " was given cores " + c + " of which "
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
            b = (b != null ? b : spec.toBuilder()).hostname("job-" + h.id().shortForm());
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
            launches.execute(() -> now.forEach(Dispatcher::closeQuietly));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            now.forEach(Dispatcher::closeQuietly); // the engine is closing: its caller waits anyway
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
        h.done().completeExceptionally(new CancellationException("job " + h.id().shortForm() + " " + h.failure));
    }

    /**
     * Stops accepting jobs, cancels the SCHEDULED and QUEUED ones, stops or drains the running ones (see
     * {@link JobEngine.OnClose}) and waits until they have ended and the engine's threads are gone. Idempotent.
     */
    void close(JobEngine.OnClose onClose) {
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
                    if (onClose == JobEngine.OnClose.STOP) {
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
        launched.forEach(Dispatcher::closeQuietly); // every job is over: this releases what they kept
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
