package dev.joblet.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The engine's time: what time it is, and a way to be called back at a later time (for scheduled starts). Tests
 * give the engine a fake one and move it by hand. Implementations are thread-safe.
 */
public interface EngineClock {

    Instant now();

    /**
     * Runs {@code task} once, at or soon after {@code at} (at once when {@code at} has passed). The returned
     * {@code Runnable} cancels it; cancelling a task that ran or was cancelled does nothing.
     */
    Runnable schedule(Instant at, Runnable task);

    /**
     * The system clock; timers wait in the JDK's delayer ({@link CompletableFuture#delayedExecutor}) and run on its
     * default async executor, no thread of this library (so no {@code Joblet} must outlive them), and they must be
     * quick. A cancelled timer drops its task at once; an empty holder waits until it would have been due.
     */
    static EngineClock system() {
        return SystemClock.INSTANCE;
    }

    /** {@link #system()}: UTC wall-clock time, timers in the JDK's delayer. */
    final class SystemClock implements EngineClock {
        static final SystemClock INSTANCE = new SystemClock();
        private final Clock clock = Clock.systemUTC();

        private SystemClock() {}

        @Override
        public Instant now() {
            return clock.instant();
        }

        @Override
        public Runnable schedule(Instant at, Runnable task) {
            Duration delay = Duration.between(now(), at);
            long nanos;
            try {
                nanos = Math.max(0, delay.toNanos());
            } catch (ArithmeticException e) {
                nanos = Long.MAX_VALUE / 2; // centuries away
            }
            // The JDK's own delayer (no thread of this library); a cancelled timer keeps only an empty holder.
            java.util.concurrent.atomic.AtomicReference<@Nullable Runnable> pending = new java.util.concurrent.atomic.AtomicReference<>(task);
            CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS).execute(() -> {
                Runnable r = pending.getAndSet(null);
                if (r != null) {
                    r.run();
                }
            });
            return () -> pending.set(null);
        }
    }
}
