package dev.joblet.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ChunkLog}'s lossless subscribers hold: the oldest offset that must stay in memory for them, whether
 * the I/O thread must stop reading the job's pipes ({@link #full()}), and its callbacks until there is room again.
 * Owned by its log; guarded by the log's lock where marked. (A stream view's readers hold their own stream: see
 * {@link LogStreamView}.)
 */
final class LogHold {
    private final ChunkLog log;
    private final LogChunks chunks;
    private final CopyOnWriteArrayList<LogSubscription> subscribers;
    private final @Nullable LogSpill spill;
    private final long capacity;
    /** Lossless subscribers registered (they are in the log's subscribers too). */
    private final AtomicInteger lossless = new AtomicInteger();
    /** See {@link #full()}: set at each append, and cleared when the I/O thread is called back. */
    private volatile boolean full;
    /** Set while {@link #resumes} is not empty: lossless subscribers then check for room as they move on. */
    private volatile boolean holding;
    /** The I/O thread's callbacks for the pipes it holds (see {@link #whenRoom}). Guarded by the log. */
    private final List<Runnable> resumes = new ArrayList<>(2);

    LogHold(ChunkLog log, LogChunks chunks, CopyOnWriteArrayList<LogSubscription> subscribers, @Nullable LogSpill spill,
            long capacity) {
        this.log = log;
        this.chunks = chunks;
        this.subscribers = subscribers;
        this.spill = spill;
        this.capacity = capacity;
    }

    void added(LogSubscription s) {
        if (s.lossless()) {
            lossless.incrementAndGet();
        }
    }

    /** {@code s} left the log's subscribers. */
    void removed(LogSubscription s) {
        if (s.lossless()) {
            lossless.decrementAndGet();
            released();
        }
    }

    /**
     * The oldest offset that must stay in memory: that of the lossless subscriber furthest behind, or the spill's
     * end if that is later (the spill serves what is older); {@code Long.MAX_VALUE} when nothing must stay.
     * Guarded by the log.
     */
    long keepFrom() {
        if (lossless.get() == 0) {
            return Long.MAX_VALUE;
        }
        long keep = Long.MAX_VALUE;
        for (LogSubscription s : subscribers) {
            if (s.lossless() && !s.isCancelled()) {
                keep = Math.min(keep, s.position());
            }
        }
        if (spill != null && keep != Long.MAX_VALUE) {
            keep = Math.max(keep, spill.end());
        }
        return keep;
    }

    /** After an append that found the log at its capacity: drops what nobody keeps, sets {@link #full()}. Guarded by the log. */
    void trimAtCapacity() {
        long keep = keepFrom();
        chunks.trim(keep); // none that a lossless subscriber or a stream view still needs
        full = keep < chunks.end() && chunks.costFrom(keep) >= capacity;
    }

    /** Something that held chunks moved on or went away: drops what nobody keeps any more. Guarded by the log. */
    void trim() {
        if (chunks.retainedCost() > capacity) {
            chunks.trim(keepFrom());
        }
    }

    /** See {@link ChunkLog#full()}. */
    boolean full() {
        return full;
    }

    /** Guarded by the log. */
    private boolean hasRoom() {
        long keep = keepFrom();
        // resume once the subscriber that held the I/O thread is half the capacity closer: few round trips
        return keep >= chunks.end() || chunks.costFrom(keep) <= capacity - Math.max(1, capacity / 2);
    }

    /** See {@link ChunkLog#whenRoom}. */
    void whenRoom(Runnable resume) {
        synchronized (log) {
            if (!hasRoom()) {
                resumes.add(resume);
                holding = true;
                return;
            }
            full = false;
        }
        resume.run();
    }

    /** A lossless subscriber moved on or went away: calls the I/O thread back if it may read on now. */
    void released() {
        if (!holding) {
            return;
        }
        Runnable[] go;
        synchronized (log) {
            if (resumes.isEmpty() || !hasRoom()) {
                return;
            }
            go = resumes.toArray(new Runnable[0]);
            resumes.clear();
            holding = false;
            full = false;
            trim();
        }
        for (Runnable r : go) {
            r.run();
        }
    }
}
