package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutputBufferTest {
    private static void append(OutputBuffer b, String s) {
        byte[] d = s.getBytes(StandardCharsets.UTF_8);
        b.append(d, 0, d.length);
    }

    @Test
    void readersGetHistoryThenLiveDataThenEnd() throws Exception {
        OutputBuffer b = new OutputBuffer(1 << 16);
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
        OutputBuffer b = new OutputBuffer(1 << 16);
        byte[] small = "tiny".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[OutputBuffer.SHARE_MIN];
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
        OutputBuffer b = new OutputBuffer(capacity);
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
        OutputBuffer b = new OutputBuffer(4096);
        byte[] one = {'a'};
        for (int i = 0; i < 100_000; i++) {
            b.appendShared(one, 0, 1);
        }
        assertThat(b.text()).isEqualTo("a".repeat(4096));
        assertThat(b.segments()).isLessThanOrEqualTo(3);
    }

    @Test
    void memoryStaysBoundedAndLossIsExplicit() throws Exception {
        OutputBuffer b = new OutputBuffer(4096);
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
        OutputBuffer b = new OutputBuffer(4096);
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
        OutputBuffer b = new OutputBuffer(4096);
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
        OutputBuffer b = new OutputBuffer(4096);
        byte[] chunk = new byte[100_000];
        b.append(chunk, 0, chunk.length);
        assertThat(b.full()).isFalse();
        InputStream in = b.open();
        b.end();
        assertThat(in.readAllBytes()).hasSize(4096);
        assertThat(b.readers()).as("a reader that reached the end holds nothing").isZero();
    }
}
