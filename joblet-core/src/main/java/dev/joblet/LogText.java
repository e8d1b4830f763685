package dev.joblet;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A job's output as one string, from {@link JobLog#text}: at most the cap's worth of bytes (the first ones),
 * with {@link #truncated()} set when there was more, and {@link #malformed()} when invalid UTF-8 was replaced
 * by U+FFFD. Immutable.
 */
public final class LogText {
    private final String text;
    private final long totalBytes;
    private final boolean truncated;
    private final boolean malformed;
    private final long lost;

    LogText(String text, long totalBytes, boolean truncated, boolean malformed, long lost) {
        this.text = text;
        this.totalBytes = totalBytes;
        this.truncated = truncated;
        this.malformed = malformed;
        this.lost = lost;
    }

    /** Builds the text from the first {@code len} bytes of {@code b}, never cutting a character in two. */
    static LogText of(byte[] b, int len, long totalBytes, boolean truncated, long lost) {
        int n = truncated ? characterBoundary(b, len) : len;
        boolean valid = isUtf8(b, n);
        return new LogText(new String(b, 0, n, StandardCharsets.UTF_8), totalBytes, truncated, !valid, lost);
    }

    /** The longest prefix of {@code b[0, len)} that does not end inside a multi-byte UTF-8 sequence. */
    private static int characterBoundary(byte[] b, int len) {
        for (int back = 1; back <= 3 && len - back >= 0; back++) {
            int c = b[len - back] & 0xff;
            if (c < 0x80) {
                return len; // ASCII: nothing is cut
            }
            if (c >= 0xc0) { // a lead byte: is its sequence whole?
                int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
                return back >= need ? len : len - back;
            }
        }
        return len;
    }

    static boolean isUtf8(byte[] b, int len) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The text (the first bytes of the output if {@link #truncated()}). */
    public String text() {
        return text;
    }

    /** Bytes of output seen in all (more than the text holds when truncated). */
    public long totalBytes() {
        return totalBytes;
    }

    /** True when the output was longer than the cap: the text holds its beginning only. */
    public boolean truncated() {
        return truncated;
    }

    /** True when invalid UTF-8 was replaced by U+FFFD in the text. */
    public boolean malformed() {
        return malformed;
    }

    /** Bytes the log no longer held when they were asked for ({@link LogEvent.Gap}s), 0 almost always. */
    public long lost() {
        return lost;
    }

    @Override
    public String toString() {
        return text;
    }
}
