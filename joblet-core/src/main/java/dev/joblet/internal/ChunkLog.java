package dev.joblet.internal;

import dev.joblet.JobLog;
import dev.joblet.LogEvent;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's log, the one store of its output: immutable chunks with absolute offsets (a {@link ChunkRing} per
 * stream), written by the I/O thread and read by {@link LogSubscription}s on the delivery pool and by the two
 * {@link LogStreamView}s ({@link #stream}: stdout and stderr, each a view of its stream's chunks). The writer never blocks and never calls a
 * subscriber: it keeps the chunk (handed over by the I/O thread, or a copy), and when some subscriber waits for
 * data it submits at most one fan-out task that wakes the subscribers. Thread-safe.
 *
 * <p>A {@linkplain JobLog.Delivery#LOSSLESS lossless} subscriber's next chunk is never dropped (unless the spill
 * holds it): while what it has not taken costs the capacity, {@link #full()} is true, the I/O thread stops
 * reading the job's pipes, and {@link #whenRoom} calls it back once that subscriber took half the capacity more
 * or went away. The log then holds at most the capacity plus one read
 * of the I/O thread per stream (and, after the job ended, what its pipes still held). Lossy subscribers never
 * hold anything: behind what is retained, they get a {@link LogEvent.Gap}.
 *
 * <p>Retention: the oldest chunks are dropped while the retained chunks cost more than the capacity, except
 * what a lossless subscriber still needs, what a stream view keeps (its last {@code streamCapacity} bytes and
 * what its readers have not read) and the newest chunk. A chunk of one stream may so be dropped before an older
 * one of the other: the log then has a hole, which a subscriber gets as a {@link LogEvent.Gap}.
 */
public final class ChunkLog implements JobLog {
    private static final Logger log = LoggerFactory.getLogger(ChunkLog.class);
    /** What a chunk costs beyond its bytes, for retention (see {@link ChunkRing}). */
    static final int CHUNK_OVERHEAD = ChunkRing.CHUNK_OVERHEAD;

    private final String name;
    private final long capacity;
    /** {@link #WAKE_BYTES}, or an eighth of a small capacity: a woken subscriber is far from losing anything. */
    private final long wakeBytes;
    private final Executor executor;
    /** The whole log on disk, if the job asked for it: history older than {@code first} is read from there. */
    private final @Nullable LogSpill spill;
    private final CopyOnWriteArrayList<LogSubscription> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean fanOutPending = new AtomicBoolean();
    /**
     * Subscribers with demand and no drain running. Appends wake the subscribers only while some wait: a
     * subscriber whose drain is busy catching up costs the writer no wake-up and the pool no hop per chunk.
     */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Bytes appended by {@link #appendDeferred} since the last wake-up while some subscriber waited. Writer only. */
    private long unwoken;
    /** See {@link #lagging()}. Writer only. */
    private boolean lagging;
    /** What the lossless subscribers hold (back-pressure on both pipes). */
    private final LogHold hold;
    /** The retained chunks of both streams and the retention rule. Guarded by this (the writer reads its end freely). */
    private final LogChunks chunks;
    /** Streams still open: bit 0 stdout, bit 1 stderr. Guarded by this. */
    private int open = 3;

    /**
     * @param name identifies the log in debug messages (the job's short id)
     * @param capacity retained bytes (plus per-chunk overhead) before the oldest chunks are dropped
     */
    public ChunkLog(String name, long capacity, Executor executor) {
        this(name, capacity, executor, null);
    }

    /** As above, also writing every chunk to {@code spill} first, so that nothing is ever lost. */
    public ChunkLog(String name, long capacity, Executor executor, @Nullable LogSpill spill) {
        this(name, capacity, executor, spill, 0);
    }

    /**
     * As above; each stream's view keeps its last {@code streamCapacity} bytes whatever the other stream writes,
     * and a reader of it holds that stream's pipe once it is that far behind. With 0, a view keeps only what the
     * log keeps, and its readers hold their pipe half the log's capacity behind.
     */
    public ChunkLog(String name, long capacity, Executor executor, @Nullable LogSpill spill, int streamCapacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be positive");
        }
        this.name = name;
        this.capacity = capacity;
        this.wakeBytes = Math.max(1, Math.min(WAKE_BYTES, capacity / 8));
        this.executor = executor;
        this.spill = spill;
        if (streamCapacity < 0) {
            throw new IllegalArgumentException("stream capacity (" + streamCapacity + ") must not be negative");
        }
        int viewCapacity = streamCapacity > 0 ? streamCapacity : (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, capacity / 2));
        this.chunks = new LogChunks(capacity);
        this.hold = new LogHold(this, chunks, subscribers, spill, capacity);
        for (LogEvent.Source s : LogEvent.Source.values()) {
            chunks.view(s, new LogStreamView(this, s, chunks.ring(s), viewCapacity, streamCapacity > 0, spill));
        }
    }

    /** One stream of this log, as a {@link dev.joblet.LogStream} (stream offsets count that stream's bytes only). */
    public LogStreamView stream(LogEvent.Source source) {
        return chunks.view(source.ordinal());
    }

    /**
     * Appends a copy of {@code data[off, off+len)} and returns it (null if {@code len} is 0); called by the I/O
     * thread only, never blocks (with a spill, the write goes to the page cache).
     */
    public LogEvent.@Nullable Data append(LogEvent.Source source, byte[] data, int off, int len) {
        if (len == 0) {
            return null;
        }
        LogEvent.Data chunk = LogEvent.Data.of(source, writerEnd(), Instant.now(), data, off, len); // only this thread moves the end
        append(chunk);
        return chunk;
    }

    /**
     * Appends a chunk that starts at {@link #size()} (nobody else appends: the I/O thread only), never blocks;
     * the chunk is kept, not copied.
     */
    public void append(LogEvent.Data chunk) {
        append(chunk, false, chunk.length(), false);
    }

    /**
     * As {@link #append(LogEvent.Data)}, but a waiting subscriber is woken only once {@link #WAKE_BYTES} have
     * piled up (an eighth of the capacity if that is less) or at the next {@link #flush}: the I/O thread appends
     * a fast job's output in bursts of reads and flushes after the pipe went empty, so a subscriber that keeps up
     * is woken per MiB or per burst, not per read.
     */
    public void appendDeferred(LogEvent.Data chunk) {
        append(chunk, true, chunk.length(), false);
    }

    /**
     * Appends a chunk over an array of {@code arrayLength} bytes that the writer may fill further with {@link
     * #extend} (small writes merged): retention counts the whole array.
     */
    public void appendBlock(LogEvent.Data chunk, int arrayLength, boolean deferred) {
        append(chunk, deferred, arrayLength, false);
    }

    /**
     * Replaces the newest chunk by {@code longer}, the same chunk with more bytes at its end, written into its
     * array after the bytes already published (which nobody changes). Writer only.
     */
    public void extend(LogEvent.Data longer, boolean deferred) {
        append(longer, deferred, 0, true);
    }

    /** The offset the next chunk starts at; the writer's own view of {@link #size()}. Writer only. */
    @SuppressWarnings("GuardedBy") // only the writer moves the end
    public long writerEnd() {
        return chunks.end();
    }

    /** Wakes the subscribers and readers that wait for what deferred appends added. Writer only. */
    public void flush() {
        synchronized (this) {
            boolean out = chunks.view(0).flush(); // both: each clears its count
            if (chunks.view(1).flush() || out) {
                notifyAll();
            }
        }
        if (unwoken > 0) {
            unwoken = 0;
            if (waiting.get() > 0) {
                wake();
            }
        }
    }

    /** How much a deferred append lets pile up before it wakes a waiting subscriber anyway (at most). */
    static final long WAKE_BYTES = 1 << 20;

    private void append(LogEvent.Data chunk, boolean deferred, long cost, boolean extends_) {
        long at = writerEnd();
        if (extends_ ? chunk.endOffset() <= at : chunk.length() == 0) {
            return;
        }
        if (spill != null) { // on disk before it can be dropped from memory
            spill.append(extends_ ? chunk.sliceFrom(at) : chunk);
        }
        long oldest;
        int len;
        synchronized (this) {
            len = chunks.add(chunk, cost, extends_);
            LogStreamView view = chunks.view(chunk.source().ordinal());
            if (view.grew(len, deferred)) {
                notifyAll();
            }
            if (chunks.retainedCost() >= capacity) { // else nothing to drop, and nobody can be a whole log behind
                hold.trimAtCapacity();
            } else {
                view.settle();
            }
            oldest = chunks.droppedEnd();
        }
        if (deferred && (unwoken += len) < wakeBytes) {
            // woken by flush() or by a later append
        } else if (waiting.get() > 0) {
            unwoken = 0;
            wake();
        }
        lagging = oldest > 0 && laggard(oldest);
    }



    /** A stream view's reader moved on or went away: drops what nobody keeps any more. Guarded by this. */
    void trimLocked() {
        hold.trim();
    }

    /**
     * True if, at the last append, a lossless subscriber had not yet taken as much as the log may hold: what the
     * I/O thread reads now would have to be kept beyond the capacity. Writer only (a subscriber that moved on
     * since leaves it stale; {@link #whenRoom} then calls back at once).
     */
    public boolean full() {
        return hold.full();
    }


    /**
     * Calls {@code resume} once there is room: at once, or later on the thread of the lossless subscriber that
     * moved on or went away. Writer only.
     */
    public void whenRoom(Runnable resume) {
        hold.whenRoom(resume);
    }

    /** A lossless subscriber moved on or went away: calls the I/O thread back if it may read on now. */
    void released() {
        hold.released();
    }


    /**
     * True if, at the last append, a subscriber that wants more was in the older half of what is retained: its
     * drain is most likely waiting for a CPU (on a machine with few cores the job and the I/O thread keep both
     * busy), and the I/O thread may leave the pipe alone for a moment (the pipe's room lets the job go on) so
     * that it does not fall behind what is retained. A subscriber already behind that (stuck, or slow) does not
     * count. Writer only.
     */
    public boolean lagging() {
        return lagging;
    }

    private boolean laggard(long oldest) {
        long half = oldest + capacity / 2;
        for (LogSubscription s : subscribers) {
            if (s.wantsFrom(half) && s.position() >= oldest) {
                return true;
            }
        }
        return false;
    }

    /** One of the streams reached EOF; called by the I/O thread only. */
    public void end(LogEvent.Source source) {
        synchronized (this) {
            open &= ~(1 << source.ordinal());
            chunks.view(source.ordinal()).end();
            notifyAll();
        }
        wake();
    }

    /** Wakes the subscribers without calling any of them here: one fan-out task on the pool, at most. */
    private void wake() {
        if (!subscribers.isEmpty() && fanOutPending.compareAndSet(false, true)) {
            executor.execute(this::fanOut);
        }
    }

    private void fanOut() {
        fanOutPending.set(false); // before reading: a later append submits another fan-out
        for (LogSubscription s : subscribers) {
            s.signalInline(); // one pool hop per wake-up, not two; a drain yields after a batch
        }
    }

    /**
     * What comes at {@code cursor} (see {@link LogSubscription}): the chunk (or its tail) holding it, null if
     * nothing is written there yet, else from the spill, else a gap up to the next retained chunk. Reads a spill
     * outside the lock.
     */
    @Nullable LogEvent next(long cursor) {
        long oldest;
        synchronized (this) {
            if (cursor >= chunks.end()) {
                return null;
            }
            LogEvent.Data d = chunks.chunkAt(cursor);
            if (d != null) {
                return d;
            }
            oldest = chunks.nextAfter(cursor);
        }
        if (spill != null) {
            LogEvent.Data d = spill.read(cursor);
            if (d != null) {
                return d;
            }
        }
        return new LogEvent.Gap(cursor, oldest);
    }

    /** True when there is something to deliver at {@code cursor}: data, or the end. */
    synchronized boolean hasMoreAt(long cursor) {
        return cursor < chunks.end() || open == 0;
    }

    void waiting(int delta) {
        waiting.addAndGet(delta);
    }

    /** True when nothing will ever follow {@code cursor}. */
    synchronized boolean finishedAt(long cursor) {
        return open == 0 && cursor >= chunks.end();
    }

    void remove(LogSubscription s) {
        if (subscribers.remove(s)) {
            hold.removed(s);
        }
    }

    String name() {
        return name;
    }

    private void subscribe(Flow.Subscriber<? super LogEvent> subscriber, @Nullable Long from, Delivery delivery) {
        LogSubscription s;
        synchronized (this) { // the start offset and the registration are atomic with respect to appends
            long start = from == null ? chunks.end() : from;
            // A lossless subscriber from an offset already dropped (nor spilled) starts with the gap, then is
            // held to from the oldest retained byte on.
            boolean keeps = delivery == Delivery.LOSSLESS;
            s = new LogSubscription(this, subscriber, start, executor, keeps);
            hold.added(s);
            subscribers.add(s);
        }
        log.debug("log {}: {} subscriber {} from offset {}", name, delivery, subscriber, s.cursor());
        s.start();
    }

    @Override
    public Flow.Publisher<LogEvent> from(long offset, Delivery delivery) {
        java.util.Objects.requireNonNull(delivery, "delivery");
        long size = size();
        if (offset < 0 || offset > size) {
            throw new IllegalArgumentException("offset (" + offset + ") must be in [0, " + size + "]");
        }
        return subscriber -> subscribe(subscriber, offset, delivery);
    }

    @Override
    public Flow.Publisher<LogEvent> live(Delivery delivery) {
        java.util.Objects.requireNonNull(delivery, "delivery");
        return subscriber -> subscribe(subscriber, null, delivery);
    }

    @Override
    public synchronized long size() {
        return chunks.end();
    }

    @Override
    public synchronized long retainedFrom() {
        long dropped = chunks.droppedEnd();
        return spill != null && spill.end() >= dropped ? 0 : dropped;
    }

    /** Deletes the spill, if any (history older than what memory retains is gone after this). */
    public void closeSpill() throws java.io.IOException {
        if (spill != null) {
            spill.close();
        }
    }

    @Override
    public synchronized boolean isEnded() {
        return open == 0;
    }

    /** Subscribers currently registered (for tests and leak checks). */
    public int subscriberCount() {
        return subscribers.size();
    }

    @Override
    public String toString() {
        return "ChunkLog{" + name + " [" + retainedFrom() + ", " + size() + ")}";
    }
}
