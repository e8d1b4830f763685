package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.JobLog;
import dev.joblet.LogEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChunkLogTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    /** The byte at log offset k in these tests, so that any event can be checked on its own. */
    static byte at(long k) {
        return (byte) (k * 31 + (k >>> 8) + 7);
    }

    static void write(ChunkLog log, int len) {
        long start = log.size();
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = at(start + i);
        }
        log.append(start % 3 == 0 ? LogEvent.Source.STDERR : LogEvent.Source.STDOUT, b, 0, len);
    }

    static void end(ChunkLog log) {
        log.end(LogEvent.Source.STDOUT);
        log.end(LogEvent.Source.STDERR);
    }

    /** Asserts the events are contiguous from {@code from}, carry the right bytes, and returns where they end. */
    static long assertContiguous(List<LogEvent> events, long from) {
        long cursor = from;
        for (LogEvent e : events) {
            assertThat(e.offset()).as("event %s follows %s", e, cursor).isEqualTo(cursor);
            if (e instanceof LogEvent.Data) {
                byte[] b = ((LogEvent.Data) e).bytes();
                for (int i = 0; i < b.length; i++) {
                    if (b[i] != at(e.offset() + i)) {
                        throw new AssertionError("wrong byte at offset " + (e.offset() + i) + " in " + e);
                    }
                }
            }
            cursor = e.endOffset();
        }
        return cursor;
    }

    @Test
    void historyThenLiveWithNoGapAndNoDuplicateWhileManySubscribersJoin() throws Exception {
        ChunkLog log = new ChunkLog("t", Long.MAX_VALUE / 2, pool);
        int chunks = 20_000;
        List<Collector> fromStart = new ArrayList<>();
        List<Collector> live = new ArrayList<>();
        List<Long> liveStarts = new ArrayList<>();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < chunks; i++) {
                write(log, 1 + i % 97);
            }
            end(log);
        });
        for (int i = 0; !writer.isDone() || i < 20; i++) { // join while the writer runs (and a few after)
            Collector all = new Collector(i % 2 == 0 ? Long.MAX_VALUE : 1 + i % 5);
            if (i % 2 != 0) { // bounded demand: request more from inside onNext
                all = new Collector(3) {
                    @Override
                    public void onNext(LogEvent item) {
                        super.onNext(item);
                        subscription.request(1);
                    }
                };
            }
            log.fromBeginning().subscribe(all);
            fromStart.add(all);
            Collector l = new Collector(Long.MAX_VALUE);
            long before = log.size();
            log.live().subscribe(l);
            live.add(l);
            liveStarts.add(before);
            Thread.yield();
        }
        writer.get(60, TimeUnit.SECONDS);
        long total = log.size();
        for (Collector c : fromStart) {
            c.done.get(60, TimeUnit.SECONDS);
            assertThat(assertContiguous(c.events, 0)).isEqualTo(total);
            assertThat(c.events).noneMatch(e -> e instanceof LogEvent.Gap);
        }
        for (int i = 0; i < live.size(); i++) {
            Collector c = live.get(i);
            c.done.get(60, TimeUnit.SECONDS);
            long start = c.events.isEmpty() ? total : c.events.get(0).offset();
            assertThat(start).as("a live subscriber starts at the end when it subscribed").isGreaterThanOrEqualTo(liveStarts.get(i));
            assertThat(assertContiguous(c.events, start)).isEqualTo(total);
        }
        assertThat(fromStart.size()).isGreaterThanOrEqualTo(20);
        assertThat(log.subscriberCount()).isZero();
    }

    @Test
    void resumesFromTheEndOffsetOfTheLastEventReceived() throws Exception {
        ChunkLog log = new ChunkLog("t", 1 << 20, pool);
        for (int i = 0; i < 100; i++) {
            write(log, 10);
        }
        Collector first = new Collector(7);
        log.fromBeginning().subscribe(first);
        while (first.events.size() < 7) {
            Thread.onSpinWait();
        }
        first.subscription.cancel();
        long resumeAt = first.events.get(6).endOffset();
        for (int i = 0; i < 100; i++) {
            write(log, 10);
        }
        end(log);
        Collector second = new Collector(Long.MAX_VALUE);
        log.from(resumeAt).subscribe(second);
        second.done.get(30, TimeUnit.SECONDS);
        assertThat(assertContiguous(first.events, 0)).isEqualTo(resumeAt);
        assertThat(assertContiguous(second.events, resumeAt)).isEqualTo(2000);
        Collector midChunk = new Collector(Long.MAX_VALUE); // an offset inside a chunk gets the chunk's tail
        log.from(1234).subscribe(midChunk);
        midChunk.done.get(30, TimeUnit.SECONDS);
        assertThat(midChunk.events.get(0).offset()).isEqualTo(1234);
        assertThat(assertContiguous(midChunk.events, 1234)).isEqualTo(2000);
        assertThatThrownBy(() -> log.from(2001)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset (2001)");
        assertThatThrownBy(() -> log.from(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset (-1)");
    }

    @Test
    void aStalledLossySubscriberNeitherBlocksTheWriterNorOthersAndGetsAnExplicitGap() throws Exception {
        ChunkLog log = new ChunkLog("t", 10 * (100 + ChunkLog.CHUNK_OVERHEAD), pool);
        Collector stalled = new Collector(1);
        log.fromBeginning(JobLog.Delivery.LOSSY).subscribe(stalled);
        write(log, 100);
        while (stalled.events.isEmpty()) {
            Thread.onSpinWait();
        }
        Collector keeping = new Collector(Long.MAX_VALUE);
        log.fromBeginning(JobLog.Delivery.LOSSY).subscribe(keeping);
        assertThat(log.full()).isFalse();
        for (int i = 0; i < 10_000; i++) { // on this thread: returns only because the writer never waits
            write(log, 100);
        }
        end(log);
        assertThat(log.full()).as("lossy subscribers never hold the I/O thread").isFalse();
        assertThat(log.retainedFrom()).isEqualTo(log.size() - 1000);
        stalled.subscription.request(Long.MAX_VALUE);
        stalled.done.get(30, TimeUnit.SECONDS);
        keeping.done.get(30, TimeUnit.SECONDS);
        assertThat(stalled.events.get(1)).isEqualTo(new LogEvent.Gap(100, log.size() - 1000));
        assertThat(assertContiguous(stalled.events, 0)).isEqualTo(log.size());
        assertThat(stalled.dataBytes()).isEqualTo(1100);
        assertThat(assertContiguous(keeping.events, 0)).isEqualTo(log.size()); // any loss there is explicit too
        Collector late = new Collector(Long.MAX_VALUE);
        log.from(5).subscribe(late);
        late.done.get(30, TimeUnit.SECONDS);
        assertThat(late.events.get(0)).isEqualTo(new LogEvent.Gap(5, log.size() - 1000));
    }

    @Test
    void cancellationStopsDeliveryAndUnregisters() throws Exception {
        ChunkLog log = new ChunkLog("t", 1 << 20, pool);
        AtomicInteger after = new AtomicInteger();
        Collector c = new Collector(Long.MAX_VALUE) {
            @Override
            public void onNext(LogEvent item) {
                super.onNext(item);
                if (events.size() == 3) {
                    subscription.cancel();
                } else if (events.size() > 3) {
                    after.incrementAndGet();
                }
            }
        };
        log.live().subscribe(c);
        assertThat(log.subscriberCount()).isOne();
        for (int i = 0; i < 1000; i++) {
            write(log, 5);
        }
        end(log);
        Collector witness = new Collector(Long.MAX_VALUE);
        log.fromBeginning().subscribe(witness);
        witness.done.get(30, TimeUnit.SECONDS);
        while (c.events.size() < 3) {
            Thread.onSpinWait();
        }
        pool.shutdown(); // every task that could still deliver to c has run once the pool is idle
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(c.events).hasSize(3);
        assertThat(after.get()).isZero();
        assertThat(c.done).isNotDone();
        assertThat(log.subscriberCount()).isZero();
    }

    @Test
    void aSubscriberThatThrowsIsCancelledAlone() throws Exception {
        ChunkLog log = new ChunkLog("t", 1 << 20, pool);
        Collector thrower = new Collector(Long.MAX_VALUE) {
            @Override
            public void onNext(LogEvent item) {
                super.onNext(item);
                if (events.size() == 2) {
                    throw new IllegalStateException("boom");
                }
            }
        };
        Collector other = new Collector(Long.MAX_VALUE);
        log.fromBeginning().subscribe(thrower);
        log.fromBeginning().subscribe(other);
        for (int i = 0; i < 500; i++) {
            write(log, 7);
        }
        end(log);
        other.done.get(30, TimeUnit.SECONDS);
        assertThat(assertContiguous(other.events, 0)).isEqualTo(3500);
        // The thrower's delivery runs apart from the other's: it may still be on its way when the other is done.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (log.subscriberCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(log.subscriberCount()).isZero();
        assertThat(thrower.events).hasSize(2);
    }

    @Test
    void aNonPositiveRequestIsAnError() throws Exception {
        ChunkLog log = new ChunkLog("t", 1 << 20, pool);
        Collector c = new Collector(0);
        log.fromBeginning().subscribe(c);
        c.subscription.request(0);
        assertThatThrownBy(() -> c.done.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("request (0)");
    }

    @Test
    void chunksKeepTheirStreamAndTimeAndDeliveryNeedsDemand() throws Exception {
        ChunkLog log = new ChunkLog("t", 1 << 20, pool);
        byte[] out = "out\n".getBytes(StandardCharsets.UTF_8);
        byte[] err = "err\n".getBytes(StandardCharsets.UTF_8);
        log.append(LogEvent.Source.STDOUT, out, 0, out.length);
        log.append(LogEvent.Source.STDERR, err, 0, err.length);
        end(log);
        Collector c = new Collector(0);
        log.fromBeginning().subscribe(c);
        pool.submit(() -> null).get();
        assertThat(c.events).isEmpty();
        c.subscription.request(1);
        c.subscription.request(1);
        c.done.get(30, TimeUnit.SECONDS);
        LogEvent.Data a = (LogEvent.Data) c.events.get(0), b = (LogEvent.Data) c.events.get(1);
        assertThat(a.source()).isEqualTo(LogEvent.Source.STDOUT);
        assertThat(a.text()).isEqualTo("out\n");
        assertThat(b.source()).isEqualTo(LogEvent.Source.STDERR);
        assertThat(b.offset()).isEqualTo(4);
        assertThat(b.time()).isAfterOrEqualTo(a.time());
    }

    /** Deferred appends (a fast job's burst) wake a waiting subscriber at flush, or once enough piled up. */
    @Test
    void deferredAppendsWakeAWaitingSubscriberAtFlushOrOnceEnoughPiledUp() {
        ChunkLog log = new ChunkLog("t", 1 << 20, Runnable::run); // delivery runs inline: no timing involved
        Collector c = new Collector(Long.MAX_VALUE);
        log.live().subscribe(c);
        byte[] ten = new byte[10];
        log.appendDeferred(LogEvent.Data.of(LogEvent.Source.STDOUT, 0, java.time.Instant.now(), ten, 0, 10));
        assertThat(c.events).as("not woken before the flush").isEmpty();
        log.flush();
        assertThat(c.events).hasSize(1);
        int eighth = (1 << 20) / 8; // the wake-up threshold for this capacity
        byte[] half = new byte[eighth / 2];
        log.appendDeferred(LogEvent.Data.of(LogEvent.Source.STDOUT, 10, java.time.Instant.now(), half, 0, half.length));
        assertThat(c.events).hasSize(1);
        log.appendDeferred(LogEvent.Data.of(LogEvent.Source.STDOUT, 10 + half.length, java.time.Instant.now(), half, 0, half.length));
        assertThat(c.events).as("woken once an eighth of the capacity piled up, without a flush").hasSize(3);
        log.append(LogEvent.Data.of(LogEvent.Source.STDERR, 10 + 2L * half.length, java.time.Instant.now(), ten, 0, 10));
        assertThat(c.events).as("a plain append wakes at once").hasSize(4);
        long cursor = 0;
        for (LogEvent e : c.events) {
            assertThat(e.offset()).isEqualTo(cursor);
            cursor = e.endOffset();
        }
        assertThat(cursor).isEqualTo(20 + 2L * half.length);
    }

    @Test
    void aThousandSubscribersShareTheFixedPool() throws Exception {
        ChunkLog log = new ChunkLog("t", 1 << 22, pool);
        List<Collector> cs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Collector c = new Collector(Long.MAX_VALUE);
            (i % 2 == 0 ? log.fromBeginning() : log.live()).subscribe(c);
            cs.add(c);
            if (i % 10 == 0) {
                write(log, 50);
            }
        }
        end(log);
        for (Collector c : cs) {
            c.done.get(60, TimeUnit.SECONDS);
            long start = c.events.isEmpty() ? log.size() : c.events.get(0).offset();
            assertThat(assertContiguous(c.events, start)).isEqualTo(log.size());
        }
        assertThat(((java.util.concurrent.ThreadPoolExecutor) pool).getLargestPoolSize()).isEqualTo(2);
    }

    /** A lossless subscriber (the default) behind by the capacity: nothing it needs is dropped, the log is full. */
    @Test
    void aLosslessSubscriberBehindKeepsItsChunksMakesTheLogFullAndItsDemandOrCancelCallsTheWriterBack() throws Exception {
        ChunkLog log = new ChunkLog("t", 10 * (100 + ChunkLog.CHUNK_OVERHEAD), pool);
        Collector slow = new Collector(1);
        log.fromBeginning().subscribe(slow);
        Collector lossy = new Collector(0);
        log.fromBeginning(JobLog.Delivery.LOSSY).subscribe(lossy);
        while (!log.full()) {
            write(log, 100);
        }
        for (int i = 0; i < 100; i++) { // the I/O thread would stop here; the log still keeps what slow needs
            write(log, 100);
        }
        assertThat(log.retainedFrom()).as("nothing the lossless subscriber has not taken is dropped").isLessThanOrEqualTo(100);
        AtomicInteger calls = new AtomicInteger();
        log.whenRoom(calls::incrementAndGet);
        assertThat(calls).hasValue(0);
        slow.subscription.request(Long.MAX_VALUE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (calls.get() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(calls).as("called back once the subscriber caught up").hasValue(1);
        end(log);
        slow.done.get(30, TimeUnit.SECONDS);
        assertThat(slow.events).noneMatch(e -> e instanceof LogEvent.Gap);
        assertThat(assertContiguous(slow.events, 0)).isEqualTo(log.size());
        lossy.subscription.request(Long.MAX_VALUE);
        lossy.done.get(30, TimeUnit.SECONDS);
        assertThat(lossy.events.get(0)).as("the lossy subscriber learns what it lost").isInstanceOf(LogEvent.Gap.class);

        ChunkLog other = new ChunkLog("u", 10 * (100 + ChunkLog.CHUNK_OVERHEAD), pool);
        Collector stuck = new Collector(0);
        other.live().subscribe(stuck);
        while (!other.full()) {
            write(other, 100);
        }
        AtomicInteger released = new AtomicInteger();
        other.whenRoom(released::incrementAndGet);
        stuck.subscription.cancel();
        assertThat(released).as("cancelling releases at once").hasValue(1);
        write(other, 100);
        assertThat(other.full()).isFalse();
        assertThat(other.retainedFrom()).isGreaterThan(0);
    }
}
