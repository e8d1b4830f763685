package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.namespaces.OutputHandler.Stream;
import dev.joblet.internal.LogSpill;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stream as {@code stdout()} shows it: a view of the job's log ({@link dev.joblet.internal.LogStreamView}),
 * written through {@link JobOutput}, whose copy/share/merge policy decides how the bytes are held.
 */
class JobOutputTest {
    /** A clock that stands still: small writes merge whatever the machine's load (the window is tested apart). */
    private static final java.time.InstantSource STILL = java.time.InstantSource.fixed(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    /** A job's output with {@code capacity} bytes per stream and no log subscriber. */
    static final class B {
        final JobOutput out;

        B(int capacity) {
            out = new JobOutput("t", capacity, null, Runnable::run, STILL);
        }

        void append(byte[] d, int off, int len) {
            out.onOutput(Stream.STDOUT, d, off, len);
        }

        void appendShared(byte[] d, int off, int len) {
            out.onOutputShared(Stream.STDOUT, d, off, len);
        }

        void end() {
            out.onEnd(Stream.STDOUT);
        }

        InputStream open() {
            return out.stdout.open();
        }

        InputStream open(long offset) {
            return out.stdout.open(offset);
        }

        String text() {
            return out.stdout.text();
        }

        long size() {
            return out.stdout.size();
        }

        boolean truncated() {
            return out.stdout.truncated();
        }

        boolean full() {
            return out.full(Stream.STDOUT);
        }

        void whenRoom(Runnable r) {
            out.whenRoom(Stream.STDOUT, r);
        }

        /** Chunks of stdout the log holds. */
        int segments() {
            return out.stdout.chunks();
        }

        int readers() {
            return out.stdout.readers();
        }
    }

    private static void append(B b, String s) {
        byte[] d = s.getBytes(StandardCharsets.UTF_8);
        b.append(d, 0, d.length);
    }

    @Test
    void readersGetHistoryThenLiveDataThenEnd() throws Exception {
        B b = new B(1 << 16);
        append(b, "hello ");
        InputStream in = b.open();
        CompletableFuture<String> all = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        append(b, "world");
        b.end();
        assertThat(all.get(5, TimeUnit.SECONDS)).isEqualTo("hello world");
        assertThat(b.open(6).readAllBytes()).isEqualTo("world".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void largeSharedAppendsAreKeptWithoutACopySmallOnesAreCopied() throws Exception {
        B b = new B(1 << 16);
        byte[] small = "tiny".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[JobOutput.SHARE_MIN];
        java.util.Arrays.fill(large, (byte) 'x');
        b.appendShared(small, 0, small.length);
        b.appendShared(large, 0, large.length);
        small[0] = 'T'; // breaks the promise on purpose, to see which one was copied
        large[0] = 'X';
        assertThat(b.text()).isEqualTo("tiny" + "X" + "x".repeat(large.length - 1));
    }

    /** Any mix of shared and copied appends of any size: what is retained is exactly the last capacity bytes. */
    @Test
    void retentionIsExactWhateverTheMixOfAppends() throws Exception {
        int capacity = 10_000;
        B b = new B(capacity);
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2_000; i++) {
            int len = random.nextInt(4) == 0 ? random.nextInt(capacity + 500) : random.nextInt(300);
            byte[] d = new byte[len + 3];
            random.nextBytes(d);
            if (random.nextBoolean()) {
                b.appendShared(d, 3, len);
            } else {
                b.append(d, 3, len);
            }
            all.write(d, 3, len);
            byte[] expected = all.toByteArray();
            long first = Math.max(0, expected.length - capacity);
            byte[] tail = java.util.Arrays.copyOfRange(expected, (int) first, expected.length);
            assertThat(b.size()).isEqualTo(expected.length);
            if (i % 50 == 0 || len > capacity / 2) {
                b.end();
                assertThat(b.open().readAllBytes()).isEqualTo(tail);
                long mid = first + (expected.length - first) / 3;
                assertThat(b.open(mid).readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(expected, (int) mid, expected.length));
            }
            assertThat(b.segments()).as("segments held for %s bytes", capacity).isLessThanOrEqualTo(2 * capacity / 256 + 2);
        }
    }

    @Test
    void manyTinySharedAppendsCostNoMoreSegmentsThanTheirBytes() {
        B b = new B(4096);
        byte[] one = {'a'};
        for (int i = 0; i < 100_000; i++) {
            b.appendShared(one, 0, 1);
        }
        assertThat(b.text()).isEqualTo("a".repeat(4096));
        assertThat(b.segments()).isLessThanOrEqualTo(3);
    }

    @Test
    void memoryStaysBoundedAndLossIsExplicit() throws Exception {
        B b = new B(4096);
        byte[] chunk = new byte[1000];
        for (int i = 0; i < 100; i++) {
            java.util.Arrays.fill(chunk, (byte) ('a' + i % 26));
            b.append(chunk, 0, chunk.length);
        }
        b.end();
        assertThat(b.size()).isEqualTo(100_000);
        assertThat(b.truncated()).isTrue();
        assertThat(b.text()).hasSize(4096);
        assertThat(b.text()).endsWith("v".repeat(1000)); // the 100th chunk is 'a' + 99 % 26 = 'v'
        assertThatThrownBy(() -> b.open(0).read()).isInstanceOf(IOException.class).hasMessageContaining("were dropped");
        assertThat(b.open().readAllBytes()).hasSize(4096);
    }

    /** An open stream is a lossless reader: a whole capacity behind, the buffer is full and drops nothing of it. */
    @Test
    void aReaderACapacityBehindMakesTheBufferFullLosesNothingAndCallsTheWriterBackOnceItReadsOn() throws Exception {
        B b = new B(4096);
        InputStream in = b.open();
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        java.util.Random random = new java.util.Random(3);
        while (!b.full()) {
            byte[] d = new byte[700];
            random.nextBytes(d);
            b.appendShared(d, 0, d.length); // shared and copied appends alike
            all.write(d, 0, d.length);
        }
        assertThat(b.size()).isGreaterThanOrEqualTo(4096);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        b.whenRoom(calls::incrementAndGet);
        assertThat(calls).as("no room yet").hasValue(0);
        byte[] got = new byte[(int) b.size()];
        int n = 0;
        while (calls.get() == 0) {
            n += in.read(got, n, 100);
        }
        assertThat(b.size() - n).as("called back once the reader is a quarter of the capacity closer")
                .isLessThanOrEqualTo(4096 - 1024);
        while (n < got.length) {
            n += in.read(got, n, got.length - n);
        }
        assertThat(got).isEqualTo(all.toByteArray());
        assertThat(calls).hasValue(1);
        assertThat(b.full()).isFalse();
    }

    @Test
    void closingALaggingReaderCallsTheWriterBackAtOnceAndTheBufferDropsAgain() throws Exception {
        B b = new B(4096);
        InputStream in = b.open();
        byte[] chunk = new byte[1000];
        for (int i = 0; i < 10; i++) {
            b.append(chunk, 0, chunk.length);
        }
        assertThat(b.full()).isTrue();
        assertThat(b.truncated()).as("the reader's bytes are kept beyond the capacity").isFalse();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        b.whenRoom(calls::incrementAndGet);
        in.close();
        assertThat(calls).hasValue(1);
        assertThat(b.readers()).isZero();
        b.append(chunk, 0, chunk.length);
        assertThat(b.full()).isFalse();
        assertThat(b.truncated()).isTrue();
        assertThat(b.text()).hasSize(4096);
        b.whenRoom(calls::incrementAndGet);
        assertThat(calls).as("room at once").hasValue(2);
    }

    @Test
    void withoutAReaderTheBufferIsNeverFullAndAReaderAtTheEndIsReleased() throws Exception {
        B b = new B(4096);
        byte[] chunk = new byte[100_000];
        b.append(chunk, 0, chunk.length);
        assertThat(b.full()).isFalse();
        InputStream in = b.open();
        b.end();
        assertThat(in.readAllBytes()).hasSize(4096);
        assertThat(b.readers()).as("a reader that reached the end holds nothing").isZero();
    }

    /** One store: the stream view and the log hold the same chunks, whichever way the bytes came in. */
    @Test
    void theStreamAndTheLogAreOneCopyOfTheSameBytes() throws Exception {
        B b = new B(1 << 16);
        byte[] large = new byte[JobOutput.SHARE_MIN];
        java.util.Arrays.fill(large, (byte) 'x');
        b.appendShared(large, 0, large.length);
        append(b, "tail");
        large[1] = 'Y'; // breaks the promise on purpose: the log's chunk is the same array as the stream's
        LogEvent.Data first = (LogEvent.Data) java.util.Objects.requireNonNull(next(b.out.logs, 0));
        assertThat(first.text().charAt(1)).isEqualTo('Y');
        assertThat(b.text().charAt(1)).isEqualTo('Y');
        assertThat(b.out.logs.size()).isEqualTo(b.size());
    }

    private static LogEvent next(dev.joblet.internal.ChunkLog log, long at) throws Exception {
        java.util.concurrent.CompletableFuture<LogEvent> got = new java.util.concurrent.CompletableFuture<>();
        log.from(at).subscribe(new java.util.concurrent.Flow.Subscriber<LogEvent>() {
            java.util.concurrent.Flow.Subscription s;

            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                this.s = s;
                s.request(1);
            }

            @Override
            public void onNext(LogEvent e) {
                got.complete(e);
                s.cancel();
            }

            @Override
            public void onError(Throwable t) {
                got.completeExceptionally(t);
            }

            @Override
            public void onComplete() {}
        });
        return got.get(5, TimeUnit.SECONDS);
    }

    /** Retention is per stream: a flood of stderr never evicts the last capacity bytes of stdout. */
    @Test
    void aFloodOfOneStreamKeepsTheLastBytesOfTheOther() throws Exception {
        B b = new B(4096);
        byte[] out = new byte[3000];
        java.util.Arrays.fill(out, (byte) 'o');
        b.append(out, 0, out.length);
        byte[] err = new byte[5000];
        for (int i = 0; i < 100; i++) {
            java.util.Arrays.fill(err, (byte) ('a' + i % 26));
            b.out.onOutput(Stream.STDERR, err, 0, err.length);
        }
        assertThat(b.text()).isEqualTo("o".repeat(3000));
        assertThat(b.truncated()).isFalse();
        assertThat(b.out.stderr.text()).hasSize(4096).endsWith("v".repeat(4096));
        assertThat(b.out.stderr.truncated()).isTrue();
        // the log has a hole where stderr was dropped: a subscriber is told, and gets stdout's bytes before it
        LogEvent e0 = next(b.out.logs, 0);
        assertThat(e0).isInstanceOf(LogEvent.Data.class);
        assertThat(((LogEvent.Data) e0).source()).isEqualTo(LogEvent.Source.STDOUT);
        LogEvent e1 = next(b.out.logs, e0.endOffset());
        assertThat(e1).isInstanceOf(LogEvent.Gap.class);
        assertThat(e1.offset()).isEqualTo(3000);
        assertThat(b.out.logs.retainedFrom()).isEqualTo(e1.endOffset());
        assertThat(b.out.stderr.chunks()).as("stderr retained by cost").isLessThanOrEqualTo(3);
    }

    /** Back-pressure is per stream: a stdout reader that lags holds only stdout's pipe. */
    @Test
    void aLaggingReaderOfOneStreamHoldsOnlyThatStream() throws Exception {
        B b = new B(4096);
        InputStream in = b.open();
        byte[] chunk = new byte[1000];
        java.util.Arrays.fill(chunk, (byte) 'o');
        for (int i = 0; i < 5; i++) {
            b.append(chunk, 0, chunk.length);
        }
        assertThat(b.out.full(Stream.STDOUT)).isTrue();
        for (int i = 0; i < 20; i++) {
            b.out.onOutput(Stream.STDERR, chunk, 0, chunk.length);
        }
        assertThat(b.out.full(Stream.STDERR)).isFalse();
        assertThat(b.out.full(Stream.STDOUT)).isTrue();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        b.out.whenRoom(Stream.STDERR, calls::incrementAndGet);
        assertThat(calls).as("stderr has room at once").hasValue(1);
        assertThat(in.readNBytes(5000)).isEqualTo("o".repeat(5000).getBytes(StandardCharsets.US_ASCII));
    }

    /** With a spill, stream readers never hold the job and read what memory dropped from the disk. */
    @Test
    void withASpillStreamReadersReadFromTheDiskAndNeverHoldTheJob(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        LogSpill spill = LogSpill.create(dir, "t");
        JobOutput out = new JobOutput("t", 4096, spill, Runnable::run, STILL);
        try {
            InputStream slow = out.stdout.open();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream errs = new java.io.ByteArrayOutputStream();
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < 300; i++) {
                byte[] d = new byte[1 + random.nextInt(3000)];
                random.nextBytes(d);
                if (random.nextInt(3) == 0) {
                    out.onOutputShared(Stream.STDERR, d, 0, d.length);
                    errs.write(d);
                } else {
                    out.onOutputShared(Stream.STDOUT, d, 0, d.length);
                    all.write(d);
                }
                assertThat(out.full(Stream.STDOUT)).as("a spilled stream never holds the job").isFalse();
            }
            out.onEnd(Stream.STDOUT);
            out.onEnd(Stream.STDERR);
            assertThat(out.stdout.truncated()).isTrue();
            assertThat(slow.readAllBytes()).isEqualTo(all.toByteArray());
            assertThat(out.stdout.open(0).readAllBytes()).isEqualTo(all.toByteArray());
            assertThat(out.stderr.open(0).readAllBytes()).isEqualTo(errs.toByteArray());
            long mid = all.size() / 3;
            assertThat(out.stdout.open(mid).readAllBytes())
                    .isEqualTo(java.util.Arrays.copyOfRange(all.toByteArray(), (int) mid, all.size()));
        } finally {
            out.logs.closeSpill();
        }
        assertThatThrownBy(() -> out.stdout.open(0).read()).isInstanceOf(IOException.class)
                .hasMessageContaining("were dropped");
    }

    /** Small writes merge into one chunk only within the window: a chunk's time stays when its bytes were read. */
    @Test
    void smallWritesMergeOnlyWithinTheWindowAndNeverAcrossTheOtherStream() throws Exception {
        java.time.Instant[] now = {java.time.Instant.parse("2026-01-01T00:00:00Z")};
        JobOutput out = new JobOutput("t", 1 << 16, null, Runnable::run, () -> now[0]);
        byte[] one = {'a'};
        out.onOutput(Stream.STDOUT, one, 0, 1);
        out.onOutput(Stream.STDOUT, one, 0, 1);
        assertThat(out.stdout.chunks()).isOne();
        now[0] = now[0].plusNanos(JobOutput.MERGE_WINDOW_NANOS);
        out.onOutput(Stream.STDOUT, one, 0, 1);
        assertThat(out.stdout.chunks()).as("past the window").isEqualTo(2);
        out.onOutput(Stream.STDERR, one, 0, 1);
        out.onOutput(Stream.STDOUT, one, 0, 1);
        assertThat(out.stdout.chunks()).as("stderr came between").isEqualTo(3);
        LogEvent.Data second = (LogEvent.Data) next(out.logs, 2);
        assertThat(second.time()).isEqualTo(now[0]);
        assertThat(out.stdout.text()).isEqualTo("aaaa");
    }
}
