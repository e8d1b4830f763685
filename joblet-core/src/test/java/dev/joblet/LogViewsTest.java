package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.internal.ChunkLog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogViewsTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final ChunkLog log = new ChunkLog("t", 1 << 20, pool);

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    private void out(String s) {
        bytes(LogEvent.Source.STDOUT, s.getBytes(StandardCharsets.UTF_8));
    }

    private void err(String s) {
        bytes(LogEvent.Source.STDERR, s.getBytes(StandardCharsets.UTF_8));
    }

    private void bytes(LogEvent.Source src, byte[] b) {
        log.append(src, b, 0, b.length);
    }

    private void end() {
        log.end(LogEvent.Source.STDOUT);
        log.end(LogEvent.Source.STDERR);
    }

    @Test
    void linesKeepStreamsApartAcrossChunksAndFollowLiveOutput() throws Exception {
        out("a1\na");
        err("e1\ne");
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            try (Stream<LogLine> s = log.lines()) {
                return s.map(l -> l.source().name().charAt(3) + ":" + l.text() + (l.complete() ? "" : "~"))
                        .collect(Collectors.toList());
            }
        });
        out("2\n");
        err("2\ne3");
        end(); // the stream reads live output and ends with the log
        assertThat(lines.get(30, TimeUnit.SECONDS)).containsExactly("O:a1", "E:e1", "O:a2", "E:e2", "E:e3~");
        assertThat(log.subscriberCount()).isZero();
    }

    @Test
    void closingALineStreamEarlyCancelsItsSubscription() {
        out("1\n2\n3\n");
        try (Stream<LogLine> s = log.lines()) {
            assertThat(s.limit(2).map(LogLine::text)).containsExactly("1", "2");
        }
        assertThat(log.subscriberCount()).isZero();
    }

    @Test
    void invalidUtf8IsKeptAsBytesAndTheTextViewsSaySo() throws Exception {
        byte[] bad = {'o', 'k', (byte) 0xff, (byte) 0xc3, '\n'};
        bytes(LogEvent.Source.STDOUT, bad);
        out("fine \u00e9\n");
        end();
        List<LogLine> lines = log.lines().collect(Collectors.toList());
        assertThat(lines.get(0).bytes()).containsExactly('o', 'k', (byte) 0xff, (byte) 0xc3);
        assertThat(lines.get(0).malformed()).isTrue();
        assertThat(lines.get(0).text()).isEqualTo("ok\ufffd\ufffd");
        assertThat(lines.get(1).malformed()).isFalse();
        assertThat(lines.get(1).text()).isEqualTo("fine \u00e9");
        LogText text = log.text(MemorySize.ofMegabytes(1)).get(30, TimeUnit.SECONDS);
        assertThat(text.malformed()).isTrue();
        assertThat(text.truncated()).isFalse();
        assertThat(text.text()).isEqualTo("ok\ufffd\ufffd\nfine \u00e9\n");
    }

    @Test
    void aLongLineOrBinaryArrivesInPiecesOfAtMostTheLimit() {
        byte[] binary = new byte[1_000_000]; // no newline at all
        for (int i = 0; i < binary.length; i++) {
            byte b = (byte) (i * 7 + 1);
            binary[i] = b == '\n' ? 0 : b;
        }
        for (int i = 0; i < binary.length; i += 4096) {
            log.append(LogEvent.Source.STDOUT, binary, i, Math.min(4096, binary.length - i));
        }
        out("\nshort\n");
        end();
        List<LogLine> lines = log.lines(MemorySize.ofKilobytes(64)).collect(Collectors.toList());
        assertThat(lines).allMatch(l -> l.length() <= 65536);
        List<LogLine> pieces = lines.subList(0, lines.size() - 1);
        assertThat(pieces.stream().mapToInt(LogLine::length).sum()).isEqualTo(binary.length);
        assertThat(pieces.subList(0, pieces.size() - 1)).allMatch(l -> !l.complete());
        assertThat(pieces.get(pieces.size() - 1).complete()).isTrue(); // the newline ended it
        byte[] joined = new byte[binary.length];
        int at = 0;
        for (LogLine l : pieces) {
            System.arraycopy(l.bytes(), 0, joined, at, l.length());
            at += l.length();
        }
        assertThat(joined).isEqualTo(binary);
        assertThat(lines.get(lines.size() - 1).text()).isEqualTo("short");
    }

    @Test
    void textIsCappedAtACharacterBoundaryAndSaysItWasTruncated() throws Exception {
        out("ab\u00e9cd"); // é is two bytes: a cap of 3 would cut it
        err("ERR");
        end();
        LogText capped = log.text(MemorySize.ofBytes(3)).get(30, TimeUnit.SECONDS);
        assertThat(capped.text()).isEqualTo("ab");
        assertThat(capped.truncated()).isTrue();
        assertThat(capped.malformed()).isFalse();
        assertThat(capped.totalBytes()).isEqualTo(9);
        assertThat(log.text(LogEvent.Source.STDOUT, MemorySize.ofKilobytes(1)).get(30, TimeUnit.SECONDS).text()).isEqualTo("ab\u00e9cd");
        assertThat(log.text(LogEvent.Source.STDERR, MemorySize.ofKilobytes(1)).get(30, TimeUnit.SECONDS).text()).isEqualTo("ERR");
        assertThatThrownBy(() -> log.text(MemorySize.ofBytes(0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cap (");
    }

    @Test
    void onLineCallsBackForEveryLineThenCompletesAndAThrowingCallbackFailsItAlone() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = log.onLine(l -> seen.add(l.text()));
        CompletableFuture<Void> failing = log.onLine(l -> {
            throw new IllegalStateException("boom");
        });
        out("x\ny\n");
        err("z");
        end();
        done.get(30, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("x", "y", "z");
        assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS)).hasRootCauseMessage("boom");
    }
}
