package dev.joblet.internal;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks shared by the public API, in the house format: the field, the value in parentheses, what is
 * wrong ({@code hostname (null) must not be null}). Stateless.
 */
public final class Args {
    /**
     * The longest delay the library schedules: {@code Long.MAX_VALUE} nanoseconds, about 292 years. A longer
     * timeout, grace or wait is taken as this one, which in practice means "never".
     */
    public static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private Args() {}

    /** The value, or a {@link NullPointerException} naming the field. */
    public static <T> T nonNull(@Nullable T value, String field) {
        if (value == null) {
            throw new NullPointerException(field + " (null) must not be null");
        }
        return value;
    }

    /** {@code value}, or an {@link IllegalArgumentException} naming the field: {@code cpuWeight (0) must be between 1 and 10000}. */
    public static int between(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " (" + value + ") must be between " + min + " and " + max);
        }
        return value;
    }

    /** {@code size}, non-null and at least {@code min}, else an error naming the field: {@code memory (1 MiB) must be at least 4 MiB}. */
    public static dev.joblet.MemorySize atLeast(String field, dev.joblet.@Nullable MemorySize size, dev.joblet.MemorySize min) {
        dev.joblet.MemorySize s = nonNull(size, field);
        if (s.compareTo(min) < 0) {
            throw new IllegalArgumentException(field + " (" + s + ") must be at least " + min);
        }
        return s;
    }

    /** {@code d} capped at {@link #FOREVER} (and at zero below), so that {@link Duration#toNanos()} cannot overflow. */
    public static Duration saturated(Duration d) {
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(FOREVER) > 0 ? FOREVER : d;
    }
}
