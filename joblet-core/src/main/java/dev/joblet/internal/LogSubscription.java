package dev.joblet.internal;

import dev.joblet.LogEvent;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber's cursor into a {@link ChunkLog}, drained on the delivery pool when it has demand. A
 * drain is serialized per subscriber (the work-in-progress counter lets at most one run), delivers at
 * most {@link #BATCH} events before yielding its pool thread to others, and reads the log under the log's
 * lock only to pick up an immutable chunk, never while calling the subscriber. Thread-safe.
 */
final class LogSubscription implements Flow.Subscription {
    private static final Logger log = LoggerFactory.getLogger(LogSubscription.class);
    static final int BATCH = 64;

    private final ChunkLog source;
    private final Flow.Subscriber<? super LogEvent> subscriber;
    private final Executor executor;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelled;
    /** Counted in the log's idle subscribers: no drain runs, and there is demand for what comes next. */
    private final AtomicBoolean waiting = new AtomicBoolean();
    /** Set by request(n <= 0): reported with onError by the drain. */
    private volatile long badRequest = 1;
    /** The next offset to deliver. Touched only by the running drain (or before start). */
    private long cursor;
    /** The cursor as other threads see it (the writer, to tell whether a subscriber that wants more lags). */
    private volatile long position;

    /** The log keeps what this subscriber has not taken yet, holding the job back if need be. */
    private final boolean lossless;

    LogSubscription(ChunkLog source, Flow.Subscriber<? super LogEvent> subscriber, long cursor, Executor executor,
            boolean lossless) {
        this.source = source;
        this.lossless = lossless;
        this.subscriber = subscriber;
        this.cursor = cursor;
        this.position = cursor;
        this.executor = executor;
    }

    long cursor() {
        return cursor;
    }

    /** True if this subscriber has demand and has not yet been sent what the log holds from {@code offset} on. */
    boolean wantsFrom(long offset) {
        return !cancelled && demand.get() > 0 && position < offset;
    }

    boolean lossless() {
        return lossless;
    }

    boolean isCancelled() {
        return cancelled;
    }

    /** Where this subscriber's next event starts, as last published by its drain. */
    long position() {
        return position;
    }

    /** Calls onSubscribe on the subscribing thread; delivery starts when the subscriber requests. */
    void start() {
        try {
            subscriber.onSubscribe(this);
        } catch (Throwable t) {
            log.debug("log {}: onSubscribe of {} threw, cancelled", source.name(), subscriber, t);
            cancel();
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            badRequest = n;
        } else {
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        }
        signal();
    }

    @Override
    public void cancel() {
        cancelled = true;
        stopWaiting();
        source.remove(this);
    }

    private void stopWaiting() {
        if (waiting.getAndSet(false)) {
            source.waiting(-1);
        }
    }

    /** Something changed (new data, new demand, end): make sure a drain runs. Never blocks. */
    void signal() {
        if (!cancelled && wip.getAndIncrement() == 0) {
            executor.execute(this::drain);
        }
    }

    /** As {@link #signal()}, but drains on the calling pool thread (the fan-out task) instead of submitting. */
    void signalInline() {
        if (!cancelled && wip.getAndIncrement() == 0) {
            drain();
        }
    }

    private void drain() {
        int missed = 1;
        int budget = BATCH;
        while (true) {
            stopWaiting();
            if (badRequest <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException("request (" + badRequest + ") must be positive"));
                return;
            }
            while (!cancelled && demand.get() > 0) {
                LogEvent e = source.next(cursor);
                if (e == null) {
                    break;
                }
                cursor = e.endOffset();
                position = cursor;
                if (lossless) {
                    source.released(); // a volatile read unless the I/O thread waits for room
                }
                if (demand.get() != Long.MAX_VALUE) {
                    demand.decrementAndGet();
                }
                if (!deliver(e)) {
                    return;
                }
                if (--budget == 0) { // yield the pool thread; wip stays > 0, so nobody else starts a drain
                    executor.execute(this::drain);
                    return;
                }
            }
            if (!cancelled && source.finishedAt(cursor)) {
                cancel();
                try {
                    subscriber.onComplete();
                } catch (Throwable t) {
                    log.debug("log {}: onComplete of {} threw", source.name(), subscriber, t);
                }
                return;
            }
            if (cancelled) {
                return;
            }
            // Idle with demand: the log wakes us when it grows. An append that raced with this (and saw no
            // one waiting) is found by the check below: the append publishes and then reads the count, this
            // publishes the count and then reads the log.
            boolean wantsMore = demand.get() > 0;
            if (wantsMore && !waiting.getAndSet(true)) {
                source.waiting(1);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                if (wantsMore && source.hasMoreAt(cursor)) {
                    signal();
                }
                return;
            }
        }
    }

    private boolean deliver(LogEvent e) {
        try {
            subscriber.onNext(e);
            return true;
        } catch (Throwable t) {
            log.debug("log {}: onNext of {} threw, cancelled", source.name(), subscriber, t);
            cancel();
            return false;
        }
    }
}
