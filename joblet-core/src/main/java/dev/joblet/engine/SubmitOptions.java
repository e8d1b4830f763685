package dev.joblet.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How the engine should treat one submission: its priority, when it may start and how many exclusive cores it
 * needs. Immutable and thread-safe; every method returns a new instance, e.g.
 * {@code SubmitOptions.defaults().priority(5).cores(2).startAfter(Duration.ofMinutes(30))}.
 *
 * <p>These are submission options rather than {@link dev.joblet.JobSpec} fields because only an engine can honour
 * them: a spec started on its own has no queue and no core pool, and a spec field it could not enforce would break
 * the rule that what a job asks for is enforced or the job does not start.
 */
public final class SubmitOptions {
    /** Priorities range from {@value} to {@link #MAX_PRIORITY}; higher starts first. */
    public static final int MIN_PRIORITY = -1000;
    public static final int MAX_PRIORITY = 1000;
    private static final SubmitOptions DEFAULTS = new SubmitOptions(0, 0, null, null);

    private final int priority;
    private final int cores;
    private final @Nullable Instant startAt;
    private final @Nullable Duration startAfter;

    private SubmitOptions(int priority, int cores, @Nullable Instant startAt, @Nullable Duration startAfter) {
        this.priority = priority;
        this.cores = cores;
        this.startAt = startAt;
        this.startAfter = startAfter;
    }

    /** Priority 0, no exclusive cores, start as soon as the policy allows. */
    public static SubmitOptions defaults() {
        return DEFAULTS;
    }

    /** Higher starts first (default 0); jobs of equal priority start in the order they became due. */
    public SubmitOptions priority(int value) {
        if (value < MIN_PRIORITY || value > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority (" + value + ") must be between " + MIN_PRIORITY + " and "
                    + MAX_PRIORITY);
        }
        return new SubmitOptions(value, cores, startAt, startAfter);
    }

    /**
     * Asks for {@code n} cores from the engine's core pool that no other exclusive job holds while this one runs;
     * the job is pinned to them (cpuset and affinity). 0 (the default) asks for none. Cannot be combined with a
     * spec that lists its own {@code cpus}.
     */
    public SubmitOptions cores(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cores (" + n + ") must not be negative");
        }
        return new SubmitOptions(priority, n, startAt, startAfter);
    }

    /**
     * Not before this instant. A time already past is accepted and means "now": the job is queued at once (its
     * status still shows the time asked for). Replaces an earlier {@link #startAfter}.
     */
    public SubmitOptions startAt(Instant when) {
        return new SubmitOptions(priority, cores, dev.joblet.internal.Args.nonNull(when, "startAt"), null);
    }

    /**
     * Not before this long after submission. Replaces an earlier {@link #startAt}. A delay past the end of
     * {@link Instant} (a billion years) saturates: the job waits "forever", until cancelled.
     */
    public SubmitOptions startAfter(Duration delay) {
        dev.joblet.internal.Args.nonNull(delay, "startAfter");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("startAfter (" + delay + ") must not be negative");
        }
        return new SubmitOptions(priority, cores, null, delay);
    }

    public int priority() {
        return priority;
    }

    /** Exclusive cores asked for; 0 when none. */
    public int cores() {
        return cores;
    }

    public Optional<Instant> startAt() {
        return Optional.ofNullable(startAt);
    }

    public Optional<Duration> startAfter() {
        return Optional.ofNullable(startAfter);
    }

    /** The earliest start for a submission made at {@code now}. */
    Instant notBefore(Instant now) {
        if (startAt != null) {
            return startAt;
        }
        if (startAfter == null) {
            return now;
        }
        try {
            return now.plus(startAfter);
        } catch (java.time.DateTimeException | ArithmeticException e) {
            return Instant.MAX; // saturated: see startAfter
        }
    }

    @Override
    public String toString() {
        return "SubmitOptions{priority=" + priority + ", cores=" + cores
                + (startAt != null ? ", startAt=" + startAt : "")
                + (startAfter != null ? ", startAfter=" + startAfter : "") + "}";
    }
}
