package dev.joblet.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock that moves only when told; due timers run on the caller of {@link #advance}. Thread-safe. */
final class FakeClock implements EngineClock {
    private Instant now = Instant.parse("2030-01-01T00:00:00Z");
    private final List<Timer> timers = new ArrayList<>();
    private long seq;

    private static final class Timer {
        final Instant at;
        final long seq;
        final Runnable task;

        Timer(Instant at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized Runnable schedule(Instant at, Runnable task) {
        Timer t = new Timer(at, seq++, task);
        timers.add(t);
        return () -> {
            synchronized (this) {
                timers.remove(t);
            }
        };
    }

    synchronized int pendingTimers() {
        return timers.size();
    }

    /** Moves time forward, running every timer that falls due, in time order. */
    void advance(Duration d) {
        Instant target;
        synchronized (this) {
            target = now.plus(d);
        }
        while (true) {
            Timer next;
            synchronized (this) {
                next = timers.stream().filter(t -> !t.at.isAfter(target))
                        .min(Comparator.<Timer, Instant>comparing(t -> t.at).thenComparingLong(t -> t.seq)).orElse(null);
                if (next == null) {
                    now = target;
                    return;
                }
                timers.remove(next);
                if (next.at.isAfter(now)) {
                    now = next.at;
                }
            }
            next.task.run();
        }
    }
}
