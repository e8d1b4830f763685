package dev.joblet.internal;

import static dev.joblet.internal.ChunkLogTest.assertContiguous;
import static dev.joblet.internal.ChunkLogTest.end;
import static dev.joblet.internal.ChunkLogTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.LogEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSpillTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    @TempDir
    Path parent;

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void subscribersFromTheBeginningGetTheWholeHistoryFromDiskWithStreamsAndTimesAndNoGap() throws Exception {
        LogSpill spill = LogSpill.create(parent, "abc");
        ChunkLog log = new ChunkLog("t", 10 * (100 + ChunkLog.CHUNK_OVERHEAD), pool, spill);
        Collector stalled = new Collector(1); // falls far behind memory while the log grows
        log.fromBeginning().subscribe(stalled);
        for (int i = 0; i < 5000; i++) {
            write(log, 1 + i % 200);
        }
        end(log);
        assertThat(log.retainedFrom()).isZero();
        stalled.subscription.request(Long.MAX_VALUE);
        Collector late = new Collector(Long.MAX_VALUE);
        log.fromBeginning().subscribe(late);
        Collector mid = new Collector(Long.MAX_VALUE);
        log.from(12_345).subscribe(mid);
        for (Collector c : new Collector[] {stalled, late, mid}) {
            c.done.get(60, TimeUnit.SECONDS);
            assertThat(c.events).noneMatch(e -> e instanceof LogEvent.Gap);
        }
        assertThat(assertContiguous(stalled.events, 0)).isEqualTo(log.size());
        assertThat(assertContiguous(late.events, 0)).isEqualTo(log.size());
        assertThat(assertContiguous(mid.events, 12_345)).isEqualTo(log.size());
        // the chunks read back keep their stream (write() alternates them by offset) and a time
        for (LogEvent e : late.events) {
            LogEvent.Data d = (LogEvent.Data) e;
            assertThat(d.time()).isNotNull();
            assertThat(d.length()).isLessThanOrEqualTo(LogSpill.MAX_READ);
        }
        assertThat(late.events.stream().map(e -> ((LogEvent.Data) e).source()).distinct()).hasSize(2);

        assertThat(spill.end()).isEqualTo(log.size());
        try (Stream<Path> named = Files.list(parent)) {
            assertThat(named).as("names in the spill directory while the spill is open").isEmpty();
        }
        log.closeSpill();
        log.closeSpill(); // idempotent
        try (Stream<Path> left = Files.list(parent)) {
            assertThat(left).isEmpty();
        }
        Collector afterClose = new Collector(Long.MAX_VALUE); // memory still has the tail; the rest is a gap now
        log.fromBeginning().subscribe(afterClose);
        afterClose.done.get(30, TimeUnit.SECONDS);
        assertThat(afterClose.events.get(0)).isInstanceOf(LogEvent.Gap.class);
        assertThat(assertContiguous(afterClose.events, 0)).isEqualTo(log.size());
    }

    @Test
    void aChunkReadBackIsTheChunkWrittenFromTheOffsetAsked() throws Exception {
        try (LogSpill spill = LogSpill.create(parent, "x")) {
            byte[] a = "hello ".getBytes(), b = "world\n".getBytes();
            java.time.Instant t = java.time.Instant.parse("2024-01-02T03:04:05.123456789Z");
            assertThat(spill.append(LogEvent.Data.of(LogEvent.Source.STDOUT, 0, t, a, 0, a.length))).isTrue();
            assertThat(spill.append(LogEvent.Data.of(LogEvent.Source.STDERR, 6, t, b, 0, b.length))).isTrue();
            LogEvent.Data first = spill.read(2);
            assertThat(first.offset()).isEqualTo(2);
            assertThat(first.text()).isEqualTo("llo ");
            assertThat(first.source()).isEqualTo(LogEvent.Source.STDOUT);
            assertThat(first.time()).isEqualTo(t);
            LogEvent.Data second = spill.read(6);
            assertThat(second.text()).isEqualTo("world\n");
            assertThat(second.source()).isEqualTo(LogEvent.Source.STDERR);
            assertThat(spill.read(12)).isNull();
            assertThat(spill.directory()).isEqualTo(parent);
            assertThat(dev.joblet.HostTraces.unnamedFilesIn(parent)).as("this JVM's open files of the spill directory, unnamed").hasSize(3);
            try (Stream<Path> named = Files.list(parent)) {
                assertThat(named).isEmpty(); // a JVM killed now leaves nothing that needs sweeping
            }
        }
        assertThat(dev.joblet.HostTraces.unnamedFilesIn(parent)).isEmpty();
    }
}
