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
 * A job's log: a bounded ring of immutable chunks with absolute offsets, written by the I/O thread and
 * read by {@link LogSubscription}s on the delivery pool. The writer never blocks and never calls a
 * subscriber: it keeps the chunk (handed over by the I/O thread, or a copy), and when some subscriber waits for
 * data it submits at most one fan-out task that wakes the subscribers. Thread-safe.
 *
 * <p>A {@linkplain JobLog.Delivery#LOSSLESS lossless} subscriber's next chunk is never dropped (unless the spill
 * holds it): while what it has not taken costs the capacity, {@link #full()} is true, the I/O thread stops
 * reading the job's pipes, and {@link #whenRoom} calls it back once that subscriber took half the capacity more
 * or went away. The log then holds at most the capacity plus one read
 * of the I/O thread per stream (and, after the job ended, what its pipes still held). Lossy subscribers never
 * hold anything: behind what is retained, they get a {@link LogEvent.Gap}.
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
    /** Lossless subscribers registered (they are in {@link #subscribers} too). */
    private final AtomicInteger lossless = new AtomicInteger();
    /** See {@link #full()}: set at each append, and cleared when the I/O thread is called back. */
    private volatile boolean full;
    /** Set while {@link #resumes} is not empty: lossless subscribers then check for room as they move on. */
    private volatile boolean holding;
    /** The I/O thread's callbacks for the pipes it holds (see {@link #whenRoom}). Guarded by this. */
    private final java.util.List<Runnable> resumes = new java.util.ArrayList<>(2);
    /** The retained chunks. Guarded by this. */
    private final ChunkRing ring = new ChunkRing();
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
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be positive");
        }
        this.name = name;
        this.capacity = capacity;
        this.wakeBytes = Math.max(1, Math.min(WAKE_BYTES, capacity / 8));
        this.executor = executor;
        this.spill = spill;
    }

    /**
     * Appends a copy of {@code data[off, off+len)} and returns it (null if {@code len} is 0); called by the I/O
     * thread only, never blocks (with a spill, the write goes to the page cache).
     */
    public LogEvent.@Nullable Data append(LogEvent.Source source, byte[] data, int off, int len) {
        if (len == 0) {
            return null;
        }
        long at;
        synchronized (this) {
            at = ring.end(); // only this thread moves the end
        }
        LogEvent.Data chunk = LogEvent.Data.of(source, at, Instant.now(), data, off, len);
        append(chunk);
        return chunk;
    }

    /**
     * Appends a chunk that starts at {@link #size()} (nobody else appends: the I/O thread only), never blocks;
     * the chunk is kept, not copied.
     */
    public void append(LogEvent.Data chunk) {
        append(chunk, false);
    }

    /**
     * As {@link #append(LogEvent.Data)}, but a waiting subscriber is woken only once {@link #WAKE_BYTES} have
     * piled up (an eighth of the capacity if that is less) or at the next {@link #flush}: the I/O thread appends
     * a fast job's output in bursts of reads and flushes after the pipe went empty, so a subscriber that keeps up
     * is woken per MiB or per burst, not per read.
     */
    public void appendDeferred(LogEvent.Data chunk) {
        append(chunk, true);
    }

    /** Wakes the subscribers that wait for what {@link #appendDeferred} added. Writer only. */
    public void flush() {
        if (unwoken > 0) {
            unwoken = 0;
            if (waiting.get() > 0) {
                wake();
            }
        }
    }

    /** How much a deferred append lets pile up before it wakes a waiting subscriber anyway (at most). */
    static final long WAKE_BYTES = 1 << 20;

    private void append(LogEvent.Data chunk, boolean deferred) {
        int len = chunk.length();
        if (len == 0) {
            return;
        }
        if (spill != null) {
            spill.append(chunk); // on disk before it can be dropped from memory
        }
        long oldest;
        synchronized (this) {
            ring.add(chunk);
            if (ring.retainedCost() >= capacity) { // else nothing to drop, and nobody can be a whole log behind
                long keep = keepFrom();
                ring.trim(capacity, keep); // none that a lossless subscriber still needs
                full = keep < ring.end() && ring.costFrom(keep) >= capacity;
            }
            oldest = ring.first();
        }
        if (deferred && (unwoken += len) < wakeBytes) {
            // woken by flush() or by a later append
        } else if (waiting.get() > 0) {
            unwoken = 0;
            wake();
        }
        lagging = oldest > 0 && laggard(oldest);
    }

    /**
     * The oldest offset that must stay in memory: that of the lossless subscriber furthest behind, or the spill's
     * end if that is later (the spill serves what is older); {@code Long.MAX_VALUE} when nothing must stay.
     * Guarded by this.
     */
    private long keepFrom() {
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

    /**
     * True if, at the last append, a lossless subscriber had not yet taken as much as the log may hold: what the
     * I/O thread reads now would have to be kept beyond the capacity. Writer only (a subscriber that moved on
     * since leaves it stale; {@link #whenRoom} then calls back at once).
     */
    public boolean full() {
        return full;
    }

    /**
     * How much closer a lossless subscriber that held the I/O thread must come before it reads on: half the
     * capacity, so that a subscriber that is fast but was held up costs few round trips to the I/O thread.
     */
    private long resumeSlack() {
        return Math.max(1, capacity / 2);
    }

    /** Guarded by this. */
    private boolean hasRoom() {
        long keep = keepFrom();
        return keep >= ring.end() || ring.costFrom(keep) <= capacity - resumeSlack();
    }

    /**
     * Calls {@code resume} once there is room: at once, or later on the thread of the lossless subscriber that
     * moved on or went away. Writer only.
     */
    public void whenRoom(Runnable resume) {
        synchronized (this) {
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
        synchronized (this) {
            if (resumes.isEmpty() || !hasRoom()) {
                return;
            }
            go = resumes.toArray(new Runnable[0]);
            resumes.clear();
            holding = false;
            full = false;
            ring.trim(capacity, keepFrom());
        }
        for (Runnable r : go) {
            r.run();
        }
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
     * The event at {@code cursor}: a gap if the cursor is older than what is retained, the chunk (or its
     * tail) holding the cursor, or null if there is nothing yet. Never blocks beyond the lock.
     */
    synchronized LogEvent.@Nullable Data chunkAt(long cursor) {
        return ring.chunkAt(cursor);
    }

    /** What comes at {@code cursor}; see {@link LogSubscription}. Reads a spill outside the lock. */
    @Nullable LogEvent next(long cursor) {
        long oldest;
        synchronized (this) {
            if (cursor >= ring.first()) {
                return ring.chunkAt(cursor);
            }
            oldest = ring.first();
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
        return cursor < ring.end() || open == 0;
    }

    void waiting(int delta) {
        waiting.addAndGet(delta);
    }

    /** True when nothing will ever follow {@code cursor}. */
    synchronized boolean finishedAt(long cursor) {
        return open == 0 && cursor >= ring.end();
    }

    void remove(LogSubscription s) {
        if (subscribers.remove(s) && s.lossless()) {
            lossless.decrementAndGet();
            released();
        }
    }

    String name() {
        return name;
    }

    private void subscribe(Flow.Subscriber<? super LogEvent> subscriber, @Nullable Long from, Delivery delivery) {
        LogSubscription s;
        synchronized (this) { // the start offset and the registration are atomic with respect to appends
            long start = from == null ? ring.end() : from;
            // A lossless subscriber from an offset already dropped (nor spilled) starts with the gap, then is
            // held to from the oldest retained byte on.
            boolean keeps = delivery == Delivery.LOSSLESS;
            s = new LogSubscription(this, subscriber, start, executor, keeps);
            if (keeps) {
                lossless.incrementAndGet();
            }
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
        return ring.end();
    }

    @Override
    public synchronized long retainedFrom() {
        return spill != null && spill.end() >= ring.first() ? 0 : ring.first();
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
