package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SseEncoderTest {
    private static LogEvent.Data data(LogEvent.Source s, long offset, byte[] b) {
        return LogEvent.Data.of(s, offset, Instant.EPOCH, b, 0, b.length);
    }

    private static LogEvent.Data data(LogEvent.Source s, long offset, String text) {
        return data(s, offset, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void splitsDataPerLineAndStampsTheEndOffsetAsId() {
        SseEncoder enc = new SseEncoder();
        assertThat(enc.encode(data(LogEvent.Source.STDOUT, 10, "one\r\ntwo\rthree\n")))
                .isEqualTo("event: stdout\nid: 25\ndata: one\ndata: two\ndata: three\ndata: \n\n");
        assertThat(enc.encode(data(LogEvent.Source.STDERR, 25, "oops")))
                .isEqualTo("event: stderr\nid: 29\ndata: oops\n\n");
    }

    @Test
    void keepsACharacterSplitAcrossChunksWholeAndTheIdBeforeIt() {
        SseEncoder enc = new SseEncoder();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes
        byte[] first = {'a', euro[0], euro[1]};
        assertThat(enc.encode(data(LogEvent.Source.STDOUT, 0, first))).isEqualTo("event: stdout\nid: 1\ndata: a\n\n");
        assertThat(enc.encode(data(LogEvent.Source.STDOUT, 3, new byte[] {euro[2], 'b'})))
                .isEqualTo("event: stdout\nid: 5\ndata: €b\n\n");
    }

    @Test
    void replacesInvalidBytesAndFlushesAnUnfinishedCharacterBeforeOtherEvents() {
        SseEncoder enc = new SseEncoder();
        assertThat(enc.encode(data(LogEvent.Source.STDOUT, 0, new byte[] {'x', (byte) 0xff, 'y'})))
                .isEqualTo("event: stdout\nid: 3\ndata: x\uFFFDy\n\n");
        assertThat(enc.encode(data(LogEvent.Source.STDOUT, 3, new byte[] {(byte) 0xe2}))).isEmpty();
        assertThat(enc.encode(new LogEvent.Gap(4, 10))).isEqualTo(
                "event: stdout\nid: 4\ndata: \uFFFD\n\nevent: gap\nid: 10\ndata: {\"from\":4,\"to\":10,\"lost\":6}\n\n");
    }

    @Test
    void parsesLastEventIdAndWritesRetryAndComments() {
        assertThat(SseEncoder.resumeOffset(null)).isZero();
        assertThat(SseEncoder.resumeOffset(" 42 ")).isEqualTo(42);
        assertThatThrownBy(() -> SseEncoder.resumeOffset("-3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Last-Event-ID (-3) must be a non-negative log offset");
        assertThatThrownBy(() -> SseEncoder.resumeOffset("x")).hasMessageContaining("Last-Event-ID (x)");
        SseEncoder enc = new SseEncoder();
        assertThat(enc.retry(Duration.ofSeconds(2))).isEqualTo("retry: 2000\n\n");
        assertThat(enc.comment("a\nb")).isEqualTo(": a b\n\n");
    }
}
