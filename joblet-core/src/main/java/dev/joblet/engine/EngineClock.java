package dev.joblet.engine;

import dev.joblet.internal.Events;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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
     * The system clock; timers run on the library's shared events thread (no thread of their own), so they must
     * be quick. Cancelled timers are removed at once.
     */
    static EngineClock system() {
        return SystemClock.INSTANCE;
    }

    /** {@link #system()}: UTC wall-clock time, timers on the library's events thread. */
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
            ScheduledFuture<?> f = Events.executor().schedule(task, nanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
