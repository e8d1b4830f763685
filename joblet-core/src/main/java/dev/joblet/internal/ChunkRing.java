package dev.joblet.internal;

import dev.joblet.LogEvent;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The chunks of one stream (stdout or stderr) that a {@link ChunkLog} retains, oldest first, indexed both ways: by
 * log offset (for subscribers, which read both streams interleaved) and by stream offset (the byte's position in
 * its own stream, for {@link LogStreamView}'s readers), with what they cost for retention (bytes or the array
 * they hold, plus {@link #CHUNK_OVERHEAD} each). Chunks are dropped oldest first; the log offsets of one stream's
 * chunks increase but are not contiguous (the other stream's chunks lie between). Owned by its log and guarded by
 * the log's lock: not thread-safe by itself.
 */
final class ChunkRing {
    /** What a chunk costs beyond its bytes (object headers, the Data view, the array), for retention. */
    static final int CHUNK_OVERHEAD = 64;

    /** Cost of everything ever added (bytes or arrays, plus overhead). */
    private long totalCost;
    /** Retained chunks as a ring: chunks[(head + i) % length] for i < count. */
    private LogEvent.@Nullable Data[] chunks = new LogEvent.Data[16];
    /** costBefore[slot]: {@link #totalCost} before that chunk was added. */
    private long[] costBefore = new long[16];
    /** streamBefore[slot]: the stream offset of that chunk's first byte. */
    private long[] streamBefore = new long[16];
    private int head;
    private int count;
    private long retainedCost;
    /** The stream offset of the oldest retained byte; the stream's bytes before it were dropped. */
    private long streamFirst;
    /** The stream's bytes so far: the stream offset of the next byte. */
    private long streamEnd;

    long streamFirst() {
        return streamFirst;
    }

    long streamEnd() {
        return streamEnd;
    }

    long retainedCost() {
        return retainedCost;
    }

    int count() {
        return count;
    }

    private int slot(int i) {
        return (head + i) % chunks.length;
    }

    private LogEvent.Data at(int i) {
        return Objects.requireNonNull(chunks[slot(i)]);
    }

    /** The oldest retained chunk, or null. */
    LogEvent.@Nullable Data oldest() {
        return count == 0 ? null : at(0);
    }

    /** The newest retained chunk, or null. */
    LogEvent.@Nullable Data newest() {
        return count == 0 ? null : at(count - 1);
    }

    /** Keeps {@code chunk}, which starts after the newest one; it costs {@code cost} (at least its length) plus overhead. */
    void add(LogEvent.Data chunk, long cost) {
        LogEvent.Data last = newest();
        if (last != null && chunk.offset() < last.endOffset()) {
            throw new IllegalStateException("chunk " + chunk + " does not follow " + last);
        }
        if (count == chunks.length) {
            int n = chunks.length * 2;
            LogEvent.Data[] grown = new LogEvent.Data[n];
            long[] grownCost = new long[n];
            long[] grownStream = new long[n];
            for (int i = 0; i < count; i++) {
                grown[i] = chunks[slot(i)];
                grownCost[i] = costBefore[slot(i)];
                grownStream[i] = streamBefore[slot(i)];
            }
            chunks = grown;
            costBefore = grownCost;
            streamBefore = grownStream;
            head = 0;
        }
        int s = slot(count);
        chunks[s] = chunk;
        costBefore[s] = totalCost;
        streamBefore[s] = streamEnd;
        count++;
        streamEnd += chunk.length();
        long c = Math.max(cost, chunk.length()) + CHUNK_OVERHEAD;
        totalCost += c;
        retainedCost += c;
    }

    /**
     * Replaces the newest chunk by {@code longer}: the same chunk with more bytes after it (small writes merged into
     * one block, whose cost was counted when it was added).
     */
    void extendNewest(LogEvent.Data longer) {
        LogEvent.Data last = Objects.requireNonNull(newest(), "no chunk to extend");
        if (longer.offset() != last.offset() || longer.source() != last.source() || longer.length() < last.length()) {
            throw new IllegalStateException("chunk " + longer + " does not extend " + last);
        }
        chunks[slot(count - 1)] = longer;
        streamEnd += longer.length() - last.length();
    }

    /** Drops the oldest chunk and returns it. */
    LogEvent.Data dropOldest() {
        LogEvent.Data d = at(0);
        long next = count > 1 ? costBefore[slot(1)] : totalCost;
        retainedCost -= next - costBefore[head];
        chunks[head] = null;
        head = (head + 1) % chunks.length;
        count--;
        streamFirst += d.length();
        return d;
    }

    /** The index of the last retained chunk whose log offset is at most {@code offset}, or -1. */
    private int indexOfLog(long offset) {
        int lo = -1, hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (at(mid).offset() <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The index of the retained chunk holding stream offset {@code offset} (which must be retained). */
    private int indexOfStream(long offset) {
        int lo = 0, hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (streamBefore[slot(mid)] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The retained chunk (or its tail) holding log offset {@code cursor}, or null if this stream has none there. */
    LogEvent.@Nullable Data chunkAtLog(long cursor) {
        int i = indexOfLog(cursor);
        if (i < 0 || at(i).endOffset() <= cursor) {
            return null;
        }
        return at(i).sliceFrom(cursor);
    }

    /** The log offset of the first retained chunk that starts after {@code cursor}, or {@code Long.MAX_VALUE}. */
    long nextAfterLog(long cursor) {
        int i = indexOfLog(cursor) + 1;
        return i < count ? at(i).offset() : Long.MAX_VALUE;
    }

    /** What the retained chunks that end after log offset {@code offset} cost. */
    long costFromLog(long offset) {
        int i = indexOfLog(offset);
        if (i >= 0 && at(i).endOffset() <= offset) {
            i++;
        }
        i = Math.max(0, i);
        return i >= count ? 0 : totalCost - costBefore[slot(i)];
    }

    /** The stream offset just past the oldest retained chunk. */
    long oldestStreamEnd() {
        return streamFirst + at(0).length();
    }

    /**
     * Copies up to {@code len} retained bytes from stream offset {@code offset} (in {@code [streamFirst,
     * streamEnd)}) into {@code b}; returns how many.
     */
    int copyOut(long offset, byte[] b, int off, int len) {
        int n = (int) Math.min(len, streamEnd - offset);
        int i = indexOfStream(offset);
        int done = 0;
        while (done < n) {
            LogEvent.Data d = at(i);
            int skip = (int) (offset + done - streamBefore[slot(i)]);
            int part = Math.min(n - done, d.length() - skip);
            d.buffer().get(skip, b, off + done, part);
            done += part;
            i++;
        }
        return n;
    }
}
