package dev.joblet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a log's events into {@link LogLine}s, one partial line per stream, each held to at most {@code max}
 * bytes (a longer line is emitted in pieces). Not thread-safe: one per subscriber.
 */
final class LineSplitter {
    private final int max;
    private final ByteArrayOutputStream[] partial = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
    private final long[] partialOffset = new long[2];
    private long lostBefore;

    LineSplitter(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxLine (" + max + ") must be positive");
        }
        this.max = max;
    }

    /** The lines an event completes, in order. */
    List<LogLine> accept(LogEvent e) {
        List<LogLine> out = new ArrayList<>();
        if (e instanceof LogEvent.Gap) {
            flush(out); // the rest of a line cut by the gap is lost: what was before it is emitted as partial
            lostBefore += ((LogEvent.Gap) e).lost();
            return out;
        }
        LogEvent.Data d = (LogEvent.Data) e;
        int s = d.source().ordinal();
        ByteArrayOutputStream line = partial[s];
        ByteBuffer b = d.buffer();
        long offset = d.offset();
        int start = b.position();
        if (line.size() == 0) {
            partialOffset[s] = offset;
        }
        for (int i = start; i < b.limit(); i++) {
            byte c = b.get(i);
            if (c == '\n') {
                write(line, b, start, i);
                out.add(line(d.source(), true));
                start = i + 1;
                partialOffset[s] = offset + (start - b.position());
            } else if (line.size() + (i + 1 - start) == max) {
                write(line, b, start, i + 1);
                out.add(line(d.source(), false));
                start = i + 1;
                partialOffset[s] = offset + (start - b.position());
            }
        }
        write(line, b, start, b.limit());
        return out;
    }

    /** The log ended: what remains of each stream, as incomplete lines. */
    List<LogLine> finish() {
        List<LogLine> out = new ArrayList<>();
        flush(out);
        return out;
    }

    private void flush(List<LogLine> out) {
        for (LogEvent.Source src : LogEvent.Source.values()) {
            if (partial[src.ordinal()].size() > 0) {
                out.add(line(src, false));
            }
        }
    }

    private static void write(ByteArrayOutputStream line, ByteBuffer b, int from, int to) {
        if (to > from) {
            byte[] part = new byte[to - from];
            b.get(from, part);
            line.write(part, 0, part.length);
        }
    }

    private LogLine line(LogEvent.Source src, boolean complete) {
        ByteArrayOutputStream buf = partial[src.ordinal()];
        LogLine l = new LogLine(src, partialOffset[src.ordinal()], buf.toByteArray(), complete, lostBefore);
        buf.reset();
        lostBefore = 0;
        return l;
    }
}
