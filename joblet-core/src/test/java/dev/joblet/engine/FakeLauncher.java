package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.EndReason;
import dev.joblet.Job;
import dev.joblet.JobId;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.JobStartException;
import dev.joblet.TestResults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Launches nothing: records each launch and keeps the job "running" until a test finishes it. Checks, as it goes,
 * that no two running jobs hold the same exclusive core and that no id is launched twice. Thread-safe.
 */
final class FakeLauncher implements JobLauncher {
    final List<JobId> launched = new ArrayList<>(); // guarded by this
    final Map<JobId, FakeJob> jobs = new ConcurrentHashMap<>();
    final List<String> violations = new ArrayList<>(); // guarded by this
    final AtomicInteger stops = new AtomicInteger();
    private final BitSet heldCores = new BitSet(); // guarded by this
    private int running; // guarded by this
    int maxRunning; // guarded by this
    volatile boolean failNext;
    /** When set, every job ends with exit 0 as soon as it is launched (on the launching thread). */
    volatile boolean finishAtOnce;

    final class FakeJob implements Launched {
        final JobId id;
        final JobSpec spec;
        final CompletableFuture<JobResult> exit = new CompletableFuture<>();

        FakeJob(JobId id, JobSpec spec) {
            this.id = id;
            this.spec = spec;
        }

        @Override
        public Optional<Job> job() {
            return Optional.empty();
        }

        @Override
        public CompletableFuture<JobResult> onExit() {
            return exit;
        }

        @Override
        public void stop(Duration grace) {
            stops.incrementAndGet();
            end(EndReason.STOPPED, -1);
        }

        void end(EndReason reason, int code) {
            synchronized (FakeLauncher.this) {
                if (exit.isDone()) {
                    return;
                }
                running--;
                spec.cpus().ifPresent(c -> heldCores.andNot(c.toBitSet()));
            }
            exit.complete(TestResults.of(id, reason, code));
        }
    }

    @Override
    public Launched launch(JobId id, JobSpec spec) throws JobStartException {
        if (failNext) {
            failNext = false;
            throw new JobStartException("fake failure of job " + id.shortForm(), "launch", null, false, null);
        }
        FakeJob j = new FakeJob(id, spec);
        synchronized (this) {
            if (launched.contains(id)) {
                violations.add("launched twice: " + id);
            }
            launched.add(id);
            Optional<CpuSet> c = spec.cpus();
            if (c.isPresent()) {
                BitSet overlap = c.get().toBitSet();
                overlap.and(heldCores);
                if (!overlap.isEmpty()) {
                    violations.add("core(s) " + overlap + " given to " + id + " while held");
                }
                heldCores.or(c.get().toBitSet());
            }
            running++;
            maxRunning = Math.max(maxRunning, running);
        }
        jobs.put(id, j);
        if (finishAtOnce) {
            j.end(EndReason.EXITED, 0);
        }
        return j;
    }

    synchronized List<JobId> launchedIds() {
        return List.copyOf(launched);
    }

    synchronized int maxRunning() {
        return maxRunning;
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    void finish(JobHandle h) {
        jobs.get(h.id()).end(EndReason.EXITED, 0);
    }
}
