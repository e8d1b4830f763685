package dev.joblet.internal;

import dev.joblet.LogEvent;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ChunkLog} holds in memory: a {@link ChunkRing} per stream, the log's end, and the retention rule
 * that decides which chunk goes first. Owned by its log and guarded by the log's lock: not thread-safe by itself.
 *
 * <p>The oldest chunks are dropped while the retained ones cost more than the capacity, except the newest, one a
 * lossless subscriber still needs, and one its stream's view keeps ({@link LogStreamView#mayDrop}: its last bytes
 * and what its readers have not read). A chunk of one stream may so go before an older one of the other: the log
 * then has a hole, which subscribers get as a {@link LogEvent.Gap} ({@link #nextAfter}).
 */
final class LogChunks {
    private final long capacity;
    /** By {@code Source.ordinal()}. */
    private final ChunkRing[] rings = {new ChunkRing(), new ChunkRing()};
    private final LogStreamView[] views = new LogStreamView[2];
    /** The offset the next chunk starts at. */
    private long end;
    /** The end of the newest dropped chunk: everything from here on is retained. */
    private long droppedEnd;

    LogChunks(long capacity) {
        this.capacity = capacity;
    }

    ChunkRing ring(LogEvent.Source source) {
        return rings[source.ordinal()];
    }

    void view(LogEvent.Source source, LogStreamView view) {
        views[source.ordinal()] = view;
    }

    LogStreamView view(int source) {
        return Objects.requireNonNull(views[source], "view");
    }

    long end() {
        return end;
    }

    long droppedEnd() {
        return droppedEnd;
    }

    /**
     * Keeps {@code chunk}, which starts at {@link #end()} and costs {@code cost}, or with {@code extend}, replaces
     * the newest chunk by it (the same with more bytes); returns the bytes added.
     */
    int add(LogEvent.Data chunk, long cost, boolean extend) {
        ChunkRing ring = rings[chunk.source().ordinal()];
        int added;
        if (extend) {
            LogEvent.Data last = ring.newest();
            if (last == null || chunk.offset() != last.offset() || last.endOffset() != end || chunk.endOffset() <= end) {
                throw new IllegalStateException("chunk " + chunk + " does not extend the log's newest chunk");
            }
            added = (int) (chunk.endOffset() - end);
            ring.extendNewest(chunk);
        } else {
            if (chunk.offset() != end) {
                throw new IllegalStateException("chunk " + chunk + " does not start at the log's end " + end);
            }
            added = chunk.length();
            ring.add(chunk, cost);
        }
        end = chunk.endOffset();
        return added;
    }

    long retainedCost() {
        return rings[0].retainedCost() + rings[1].retainedCost();
    }

    /** What the retained chunks that end after {@code offset} cost. */
    long costFrom(long offset) {
        return rings[0].costFromLog(offset) + rings[1].costFromLog(offset);
    }

    /** Drops what nobody keeps while the retained chunks cost more than the capacity (see the class), then settles the views. */
    void trim(long keep) {
        while (retainedCost() > capacity) {
            int pick = -1;
            long at = Long.MAX_VALUE;
            for (int s = 0; s < 2; s++) {
                LogEvent.Data o = rings[s].oldest();
                if (o != null && o.offset() < at && o.endOffset() < end && o.endOffset() <= keep && view(s).mayDrop()) {
                    pick = s;
                    at = o.offset();
                }
            }
            if (pick < 0) {
                break;
            }
            droppedEnd = Math.max(droppedEnd, rings[pick].dropOldest().endOffset());
        }
        view(0).settle();
        view(1).settle();
    }

    /** The retained chunk (or its tail) holding {@code cursor}, or null. */
    LogEvent.@Nullable Data chunkAt(long cursor) {
        LogEvent.Data d = rings[0].chunkAtLog(cursor);
        return d != null ? d : rings[1].chunkAtLog(cursor);
    }

    /** Where the next retained chunk after {@code cursor} starts (the end of a hole), at most {@link #end()}. */
    long nextAfter(long cursor) {
        return Math.min(end, Math.min(rings[0].nextAfterLog(cursor), rings[1].nextAfterLog(cursor)));
    }
}
