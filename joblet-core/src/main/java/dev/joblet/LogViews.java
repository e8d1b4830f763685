package dev.joblet;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The convenient views of a {@link JobLog} (lines as a stream, a per-line callback, capped text), built on its
 * Flow publisher. Each holds at most one event plus one partial line per stream: memory never depends on how
 * much the job writes. Stateless; the objects it returns say whether they are thread-safe.
 */
final class LogViews {
    private LogViews() {}

    /** A blocking stream of lines, pulling one event at a time; closing the stream cancels the subscription. */
    static Stream<LogLine> lines(Flow.Publisher<LogEvent> publisher, int maxLine) {
        Pull pull = new Pull(new LineSplitter(maxLine));
        publisher.subscribe(pull);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pull, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(pull::cancel);
    }

    /** Calls {@code action} for every line on the delivery pool; the future completes when the log ends. */
    static CompletableFuture<Void> onLine(Flow.Publisher<LogEvent> publisher, int maxLine, Consumer<? super LogLine> action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        LineSplitter splitter = new LineSplitter(maxLine);
        publisher.subscribe(new Flow.Subscriber<>() {
            private Flow.@Nullable Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                done.whenComplete((v, t) -> s.cancel()); // cancelling the future stops the callbacks
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(LogEvent e) {
                try {
                    splitter.accept(e).forEach(action);
                } catch (RuntimeException | Error t) {
                    done.completeExceptionally(t);
                    throw t;
                }
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                try {
                    splitter.finish().forEach(action);
                    done.complete(null);
                } catch (RuntimeException | Error t) {
                    done.completeExceptionally(t);
                }
            }
        });
        return done;
    }

    /** Collects at most {@code cap} bytes (of {@code only}, or of both streams if null) until the log ends. */
    static CompletableFuture<LogText> text(Flow.Publisher<LogEvent> publisher, int cap, LogEvent.@Nullable Source only) {
        CompletableFuture<LogText> done = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            private byte[] buf = new byte[Math.min(cap, 8192)];
            private int len;
            private long total, lost;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                done.whenComplete((v, t) -> s.cancel());
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(LogEvent e) {
                if (e instanceof LogEvent.Gap) {
                    lost += ((LogEvent.Gap) e).lost();
                    return;
                }
                LogEvent.Data d = (LogEvent.Data) e;
                if (only != null && d.source() != only) {
                    return;
                }
                total += d.length();
                int n = Math.min(d.length(), cap - len);
                if (n > 0) {
                    if (len + n > buf.length) {
                        buf = java.util.Arrays.copyOf(buf, (int) Math.min(cap, Math.max(2L * buf.length, len + n)));
                    }
                    d.buffer().get(buf, len, n);
                    len += n;
                }
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(LogText.of(buf, len, total, total > len, lost));
            }
        });
        return done;
    }

    /** Requests one event whenever the consumer has used up the lines of the last one. Thread-safe. */
    private static final class Pull implements Flow.Subscriber<LogEvent>, Iterator<LogLine> {
        private static final Object END = new Object();
        private final LineSplitter splitter;
        /** Holds at most one event (one is requested at a time), END or a failure. */
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private final ArrayDeque<LogLine> ready = new ArrayDeque<>(); // consumer thread only
        private volatile Flow.@Nullable Subscription subscription;
        private boolean ended; // consumer thread only

        Pull(LineSplitter splitter) {
            this.splitter = splitter;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(LogEvent e) {
            events.add(e);
        }

        @Override
        public void onError(Throwable t) {
            events.add(t);
        }

        @Override
        public void onComplete() {
            events.add(END);
        }

        void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && !ended) {
                Flow.Subscription s = subscription;
                if (s == null) {
                    throw new IllegalStateException("the log did not accept the subscription");
                }
                s.request(1);
                Object next;
                try {
                    next = events.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel();
                    throw new IllegalStateException("interrupted while waiting for job output", e);
                }
                if (next == END) {
                    ended = true;
                    ready.addAll(splitter.finish());
                } else if (next instanceof Throwable) {
                    ended = true;
                    throw new IllegalStateException("job log subscription failed", (Throwable) next);
                } else {
                    ready.addAll(splitter.accept((LogEvent) next));
                }
            }
            return !ready.isEmpty();
        }

        @Override
        public LogLine next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }
    }
}
