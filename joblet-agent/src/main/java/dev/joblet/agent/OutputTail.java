package dev.joblet.agent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One stream of a cell or background process: keeps the last {@code limit} bytes (errors come at the end), counts
 * them all, and turns chunks into whole UTF-8 characters for an {@link OutputListener}. Not thread-safe: the
 * session's reader thread writes it, readers take {@link #text()} under the owner's lock.
 */
final class OutputTail {
    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long total;
    /** Bytes of a UTF-8 character cut by the chunk boundary, prepended to the next chunk. */
    private byte[] partial = new byte[0];

    OutputTail(int limit) {
        this.limit = limit;
    }

    /** Adds a chunk; returns the text to hand to a listener (whole characters only). */
    String add(byte[] chunk) {
        total += chunk.length;
        kept.write(chunk, 0, chunk.length);
        if (kept.size() > 2 * limit) {
            byte[] all = kept.toByteArray();
            kept.reset();
            kept.write(all, all.length - limit, limit);
        }
        byte[] b = partial.length == 0 ? chunk : concat(partial, chunk);
        int cut = completeLength(b);
        partial = Arrays.copyOfRange(b, cut, b.length);
        return new String(b, 0, cut, StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The length of the longest prefix that does not end inside a UTF-8 sequence. */
    static int completeLength(byte[] b) {
        for (int back = 1; back <= Math.min(3, b.length); back++) {
            int c = b[b.length - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for the lead byte
            }
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? b.length - back : b.length;
        }
        return b.length;
    }

    /** The kept bytes (the last {@code limit}) as text. */
    String text() {
        byte[] all = kept.toByteArray();
        if (all.length > limit) {
            all = Arrays.copyOfRange(all, all.length - limit, all.length);
        }
        return new String(all, StandardCharsets.UTF_8);
    }

    long total() {
        return total;
    }

    boolean truncated() {
        return total > limit;
    }
}
