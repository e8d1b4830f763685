package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.JobSpec;
import dev.joblet.MemorySize;
import dev.joblet.engine.SchedulingView.Placement;
import dev.joblet.engine.SchedulingView.RunningJob;
import dev.joblet.engine.SchedulingView.WaitingJob;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The default {@link SchedulingPolicy}. Immutable and thread-safe.
 *
 * <ul>
 *   <li><b>Concurrency limit</b>: at most {@code maxConcurrent} jobs started and not ended (default: 4 per CPU).
 *   <li><b>Priorities</b>: the waiting job with the highest effective priority starts first; ties go to the job
 *       that became due first, then to the one submitted first (FIFO within a priority).
 *   <li><b>Starvation</b>: aging. A job's effective priority is its priority plus one for every {@code agingStep}
 *       it has waited since it became due (default one minute), so a low-priority job is overtaken by a steady
 *       stream of higher ones only for a bounded time. {@code agingStep(Duration.ZERO)} turns aging off (and
 *       allows starvation).
 *   <li><b>No backfill</b>: when the chosen job cannot start yet (not enough free exclusive cores, or its memory
 *       limit does not fit the budget), nothing else starts before it, so a large request is never starved by
 *       small ones; the cost is idle capacity while it waits.
 *   <li><b>Memory admission</b> (optional): with {@code memoryBudget}, the memory limits of started jobs add up to
 *       at most the budget; every job must then set a memory limit, and one larger than the budget is rejected
 *       at submission.
 *   <li><b>Exclusive cores</b>: the lowest-numbered free cores of the pool.
 * </ul>
 */
public final class StandardPolicy implements SchedulingPolicy {
    private final int maxConcurrent;
    private final Duration agingStep;
    private final @Nullable MemorySize memoryBudget;

    private StandardPolicy(Builder b) {
        this.maxConcurrent = b.maxConcurrent;
        this.agingStep = b.agingStep;
        this.memoryBudget = b.memoryBudget;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public Duration agingStep() {
        return agingStep;
    }

    public Optional<MemorySize> memoryBudget() {
        return Optional.ofNullable(memoryBudget);
    }

    @Override
    public void validate(JobSpec spec, SubmitOptions options) {
        if (memoryBudget == null) {
            return;
        }
        MemorySize m = spec.memory().orElseThrow(() -> new IllegalArgumentException(
                "memory (none: noMemoryLimit()) must be set: the engine admits jobs against a memory budget of " + memoryBudget));
        if (m.compareTo(memoryBudget) > 0) {
            throw new IllegalArgumentException("memory (" + m + ") exceeds the engine's memory budget of " + memoryBudget);
        }
    }

    @Override
    public Optional<Placement> next(SchedulingView view) {
        if (view.running().size() >= maxConcurrent || view.waiting().isEmpty()) {
            return Optional.empty();
        }
        Instant now = view.now();
        WaitingJob best = null;
        long bestPriority = Long.MIN_VALUE;
        for (WaitingJob w : view.waiting()) {
            long p = effectivePriority(w, now);
            if (best == null || p > bestPriority || (p == bestPriority && before(w, best))) {
                best = w;
                bestPriority = p;
            }
        }
        Objects.requireNonNull(best);
        if (memoryBudget != null) {
            long used = 0;
            for (RunningJob r : view.running()) {
                used += r.spec().memory().map(MemorySize::bytes).orElse(0L);
            }
            long need = best.spec().memory().map(MemorySize::bytes).orElse(0L);
            if (need > memoryBudget.bytes() - Math.min(used, memoryBudget.bytes())) { // no overflow: used can be huge
                return Optional.empty();
            }
        }
        int cores = best.options().cores();
        if (cores == 0) {
            return Optional.of(Placement.of(best));
        }
        Optional<CpuSet> free = view.lowestFreeCores(cores);
        return free.isPresent() ? Optional.of(Placement.of(best, free.get())) : Optional.empty();
    }

    long effectivePriority(WaitingJob w, Instant now) {
        long p = w.options().priority();
        if (agingStep.isZero() || !now.isAfter(w.notBefore())) {
            return p;
        }
        long waitedNanos = saturatedNanos(Duration.between(w.notBefore(), now));
        return p + waitedNanos / saturatedNanos(agingStep);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static boolean before(WaitingJob a, WaitingJob b) {
        int c = a.notBefore().compareTo(b.notBefore());
        return c < 0 || (c == 0 && a.sequence() < b.sequence());
    }

    @Override
    public String toString() {
        return "StandardPolicy{maxConcurrent=" + maxConcurrent + ", agingStep=" + agingStep
                + (memoryBudget != null ? ", memoryBudget=" + memoryBudget : "") + "}";
    }

    /** Configures a {@link StandardPolicy}. Not thread-safe. */
    public static final class Builder {
        private int maxConcurrent = 4 * java.lang.Runtime.getRuntime().availableProcessors();
        private Duration agingStep = Duration.ofMinutes(1);
        private @Nullable MemorySize memoryBudget;

        private Builder() {}

        /** Most jobs started and not ended at once (default 4 per CPU). */
        public Builder maxConcurrent(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConcurrent (" + n + ") must be at least 1");
            }
            maxConcurrent = n;
            return this;
        }

        /** A waiting job gains one priority level per step waited (default 1 minute); zero turns aging off. */
        public Builder agingStep(Duration step) {
            dev.joblet.internal.Args.nonNull(step, "agingStep");
            if (step.isNegative()) {
                throw new IllegalArgumentException("agingStep (" + step + ") must not be negative");
            }
            agingStep = step;
            return this;
        }

        /** Admits jobs only while the memory limits of started jobs add up to at most this. */
        public Builder memoryBudget(MemorySize budget) {
            dev.joblet.internal.Args.nonNull(budget, "memoryBudget");
            if (budget.bytes() <= 0) {
                throw new IllegalArgumentException("memoryBudget (" + budget + ") must be positive");
            }
            memoryBudget = budget;
            return this;
        }

        public StandardPolicy build() {
            return new StandardPolicy(this);
        }
    }
}
