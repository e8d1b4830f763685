package dev.joblet.internal;

import dev.joblet.LogEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

/** A test subscriber that records what it receives; requests {@code initial} up front. */
class Collector implements Flow.Subscriber<LogEvent> {
    final List<LogEvent> events = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile Flow.Subscription subscription;
    private final long initial;

    Collector(long initial) {
        this.initial = initial;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (initial > 0) {
            s.request(initial);
        }
    }

    @Override
    public void onNext(LogEvent item) {
        events.add(item);
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        done.complete(null);
    }

    long dataBytes() {
        return events.stream().filter(e -> e instanceof LogEvent.Data).mapToLong(e -> ((LogEvent.Data) e).length()).sum();
    }
}
