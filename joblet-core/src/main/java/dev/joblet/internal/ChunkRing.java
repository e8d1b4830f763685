package dev.joblet.internal;

import dev.joblet.LogEvent;
import org.jspecify.annotations.Nullable;

/**
 * The chunks a {@link ChunkLog} retains: a ring of immutable chunks with absolute offsets, oldest first, and what
 * they cost (bytes plus {@link #CHUNK_OVERHEAD} each) for retention. Owned by its log and guarded by the log's
 * lock: not thread-safe by itself.
 */
final class ChunkRing {
    /** What a chunk costs beyond its bytes (object headers, the Data view, the array), for retention. */
    static final int CHUNK_OVERHEAD = 64;

    /** Cost of everything ever appended (bytes plus overhead). */
    private long totalCost;
    /** costBefore[(head + i) % length]: {@link #totalCost} before chunk i was appended. */
    private long[] costBefore = new long[16];
    /** Retained chunks, oldest first, as a ring: chunks[(head + i) % length] for i < count. */
    private LogEvent.@Nullable Data[] chunks = new LogEvent.Data[16];
    private int head;
    private int count;
    /** Bytes plus overhead of the retained chunks. */
    private long retainedCost;
    /** The offset of the oldest retained byte; everything before it was dropped. */
    private long first;
    /** The offset the next chunk starts at. */
    private long end;

    long first() {
        return first;
    }

    long end() {
        return end;
    }

    long retainedCost() {
        return retainedCost;
    }

    /** Keeps {@code chunk}, which must start at {@link #end()}. */
    void add(LogEvent.Data chunk) {
        if (chunk.offset() != end) {
            throw new IllegalStateException("chunk " + chunk + " does not start at the log's end " + end);
        }
        if (count == chunks.length) {
            LogEvent.Data[] grown = new LogEvent.Data[chunks.length * 2];
            long[] grownCost = new long[chunks.length * 2];
            for (int i = 0; i < count; i++) {
                grown[i] = chunks[(head + i) % chunks.length];
                grownCost[i] = costBefore[(head + i) % chunks.length];
            }
            chunks = grown;
            costBefore = grownCost;
            head = 0;
        }
        int len = chunk.length();
        chunks[(head + count) % chunks.length] = chunk;
        costBefore[(head + count) % chunks.length] = totalCost;
        count++;
        end += len;
        totalCost += len + CHUNK_OVERHEAD;
        retainedCost += len + CHUNK_OVERHEAD;
    }

    /**
     * Drops the oldest chunks while they cost more than {@code capacity}, but always keeps the newest one and
     * none that ends after {@code keep}.
     */
    void trim(long capacity, long keep) {
        while (retainedCost > capacity && count > 1 && oldest().endOffset() <= keep) {
            LogEvent.Data dropped = oldest();
            chunks[head] = null;
            head = (head + 1) % chunks.length;
            count--;
            retainedCost -= dropped.length() + CHUNK_OVERHEAD;
            first = dropped.endOffset();
        }
    }

    private LogEvent.Data oldest() {
        return java.util.Objects.requireNonNull(chunks[head]);
    }

    /** What the retained chunks from the one holding {@code offset} on cost. */
    long costFrom(long offset) {
        if (offset >= end || count == 0) {
            return 0;
        }
        if (offset <= first) {
            return retainedCost;
        }
        return totalCost - costBefore[(head + indexOf(offset)) % chunks.length];
    }

    /** The retained chunk (or its tail) holding {@code cursor}, or null if it is not retained or not written yet. */
    LogEvent.@Nullable Data chunkAt(long cursor) {
        if (cursor < first || cursor >= end) {
            return null;
        }
        return java.util.Objects.requireNonNull(chunks[(head + indexOf(cursor)) % chunks.length]).sliceFrom(cursor);
    }

    /** The index (from the oldest) of the retained chunk holding {@code offset}. */
    private int indexOf(long offset) {
        int lo = 0, hi = count - 1; // the last chunk whose offset <= offset
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (java.util.Objects.requireNonNull(chunks[(head + mid) % chunks.length]).offset() <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
