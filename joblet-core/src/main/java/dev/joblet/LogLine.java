package dev.joblet;

import java.nio.charset.StandardCharsets;

/**
 * One line of a job's output, from {@link JobLog#lines()} or {@link JobLog#onLine}: the bytes of one stream up
 * to a newline (the newline itself not included). The bytes are exactly what the job wrote; {@link #text()}
 * replaces invalid UTF-8 with U+FFFD and {@link #malformed()} says when it did. A line longer than the
 * views' limit arrives in pieces of at most that many bytes, each but the last {@linkplain #complete()
 * incomplete}, so a view never holds more than the limit per stream. Immutable.
 */
public final class LogLine {
    private final LogEvent.Source source;
    private final long offset;
    private final byte[] bytes;
    private final boolean complete;
    private final long lostBefore;
    private final boolean malformed;

    LogLine(LogEvent.Source source, long offset, byte[] bytes, boolean complete, long lostBefore) {
        this.source = source;
        this.offset = offset;
        this.bytes = bytes;
        this.complete = complete;
        this.lostBefore = lostBefore;
        this.malformed = !LogText.isUtf8(bytes, bytes.length);
    }

    public LogEvent.Source source() {
        return source;
    }

    /** The log offset of the line's first byte. */
    public long offset() {
        return offset;
    }

    /** A copy of the line's bytes, without the newline. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** How many bytes the line has. */
    public int length() {
        return bytes.length;
    }

    /** The line as UTF-8 text, invalid sequences replaced by U+FFFD (see {@link #malformed()}). */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** True if the bytes are not valid UTF-8, so {@link #text()} replaced some of them. */
    public boolean malformed() {
        return malformed;
    }

    /**
     * False when this is not a whole line: a piece of a line longer than the limit (more follows), the last
     * bytes of the stream without a final newline, or the part of a line before a {@link LogEvent.Gap}.
     */
    public boolean complete() {
        return complete;
    }

    /** Bytes of the log lost (in a {@link LogEvent.Gap}) just before this line; 0 almost always. */
    public long lostBefore() {
        return lostBefore;
    }

    @Override
    public String toString() {
        return source + "@" + offset + (complete ? "" : " (partial)") + ": " + text();
    }
}
