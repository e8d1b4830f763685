package dev.joblet;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Encodes a job's {@link LogEvent}s as a {@code text/event-stream} (Server-Sent Events): {@code event:}
 * {@code stdout}, {@code stderr}, {@code gap} or {@code exit}; {@code id:} the log offset up to which output
 * has been sent, so a client that reconnects with {@code Last-Event-ID} resumes without loss or repetition
 * ({@link #resumeOffset(String)}); the text split into one {@code data:} line per line of output, as the
 * specification requires (a CR, LF or CRLF in the output ends a line, so a lone CR reaches the browser as
 * LF). Output is decoded as UTF-8; a character split across two chunks of the same stream is kept whole
 * (the incomplete tail waits for the next chunk, and the event's id stops before it); invalid bytes become
 * U+FFFD. Not thread-safe: one encoder per connection.
 */
public final class SseEncoder {
    private final Map<LogEvent.Source, CharsetDecoder> decoders = new EnumMap<>(LogEvent.Source.class);
    /** Bytes of an incomplete character at the end of the last chunk, not yet sent. */
    private LogEvent.@Nullable Data pending;

    public SseEncoder() {
        for (LogEvent.Source s : LogEvent.Source.values()) {
            decoders.put(s, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE));
        }
    }

    /**
     * The log offset to resume from for a request's {@code Last-Event-ID} header: 0 when absent or blank.
     *
     * @throws IllegalArgumentException if it is not a non-negative decimal number
     */
    public static long resumeOffset(@Nullable String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return 0;
        }
        try {
            long v = Long.parseLong(lastEventId.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Last-Event-ID (" + lastEventId + ") must be a non-negative log offset");
    }

    /** A {@code retry:} field telling the browser how long to wait before reconnecting. */
    public String retry(Duration delay) {
        dev.joblet.internal.Args.nonNull(delay, "retry");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("retry (" + delay + ") must not be negative");
        }
        return "retry: " + dev.joblet.internal.Args.saturated(delay).toMillis() + "\n\n";
    }

    /** A comment line (ignored by clients): keeps idle connections open through proxies. */
    public String comment(String text) {
        return ": " + text.replaceAll("[\r\n]", " ") + "\n\n";
    }

    /** The event for {@code e}; empty when it holds only the start of a character still to be completed. */
    public String encode(LogEvent e) {
        StringBuilder out = new StringBuilder();
        if (e instanceof LogEvent.Gap) {
            flushPending(out);
            LogEvent.Gap g = (LogEvent.Gap) e;
            field(out, "event", "gap");
            field(out, "id", Long.toString(g.endOffset()));
            field(out, "data", "{\"from\":" + g.offset() + ",\"to\":" + g.endOffset() + ",\"lost\":" + g.lost() + "}");
            return out.append('\n').toString();
        }
        LogEvent.Data d = (LogEvent.Data) e;
        LogEvent.@Nullable Data p = pending;
        byte[] bytes;
        long start;
        if (p != null && p.source() == d.source() && p.endOffset() == d.offset()) {
            bytes = ByteBuffer.allocate(p.length() + d.length()).put(p.buffer()).put(d.buffer()).array();
            start = p.offset();
        } else {
            flushPending(out);
            bytes = d.bytes();
            start = d.offset();
        }
        pending = null;
        int tail = incompleteTail(ByteBuffer.wrap(bytes));
        if (tail > 0) {
            pending = LogEvent.Data.of(d.source(), d.endOffset() - tail, d.time(), bytes, bytes.length - tail, tail);
        }
        int sent = bytes.length - tail;
        if (sent > 0) {
            dataEvent(out, d.source(), start + sent, decode(d.source(), ByteBuffer.wrap(bytes, 0, sent)));
        }
        return out.toString();
    }

    /** The final event: the job's result, with the id of the end of the log. Flushes any held bytes first. */
    public String exit(long endOffset, JobResult result) {
        StringBuilder out = new StringBuilder();
        flushPending(out);
        field(out, "event", "exit");
        field(out, "id", Long.toString(endOffset));
        field(out, "data", "{\"reason\":\"" + result.reason() + "\",\"exitCode\":" + result.exitCode().orElse(-1)
                + ",\"signal\":" + result.signal().orElse(0) + "}");
        return out.append('\n').toString();
    }

    private void flushPending(StringBuilder out) {
        LogEvent.@Nullable Data p = pending;
        pending = null;
        if (p != null) {
            dataEvent(out, p.source(), p.endOffset(), decode(p.source(), p.buffer()));
        }
    }

    private String decode(LogEvent.Source source, ByteBuffer bytes) {
        CharsetDecoder dec = Objects.requireNonNull(decoders.get(source), "decoder per source").reset();
        CharBuffer chars = CharBuffer.allocate((int) (bytes.remaining() * (double) dec.maxCharsPerByte()) + 1);
        dec.decode(bytes, chars, true);
        dec.flush(chars);
        return chars.flip().toString();
    }

    private static void dataEvent(StringBuilder out, LogEvent.Source source, long id, String text) {
        field(out, "event", source == LogEvent.Source.STDOUT ? "stdout" : "stderr");
        field(out, "id", Long.toString(id));
        int lineStart = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                field(out, "data", text.substring(lineStart, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                lineStart = i + 1;
            }
        }
        field(out, "data", text.substring(lineStart));
        out.append('\n');
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(name).append(": ").append(value).append('\n');
    }

    /** How many bytes at the end start a UTF-8 character that the buffer does not complete (0 to 3). */
    static int incompleteTail(ByteBuffer b) {
        int end = b.limit();
        for (int back = 1; back <= Math.min(3, b.remaining()); back++) {
            int x = b.get(end - back) & 0xff;
            if ((x & 0xc0) == 0x80) {
                continue; // a continuation byte: look further back for the lead
            }
            int need = x >= 0xf5 ? 1 : x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc2 ? 2 : 1;
            return need > back ? back : 0;
        }
        return 0;
    }
}
