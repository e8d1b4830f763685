package dev.joblet.internal;

import dev.joblet.LogEvent;
import dev.joblet.LogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One stream (stdout or stderr) of a {@link ChunkLog}, as a {@link LogStream}: a view of the log's chunks of that
 * stream, with stream offsets (counted in that stream alone), holding no bytes of its own. The log keeps the
 * X,
 * whatever the other stream writes, and every byte an open reader has not read yet. Thread-safe: its state is
 * guarded by the log's lock, and readers wait on the log's monitor.
 *
 * <p>Every {@link #open} stream is a lossless reader until it is closed or reaches the end. While one of them is
 * {@code capacity} bytes behind, {@link #full()} is true and the I/O thread stops reading this stream's pipe
 * (the other stream goes on) until {@link #whenRoom} calls it back, once that reader is half the capacity closer
 * or gone. With a {@link LogSpill}, readers never hold the job: what memory no longer holds is read from the disk.
 * Bytes older than what is retained (or spilled) fail the first read with an {@link IOException} naming them.
 *
 * <p>Where the bytes come from is the ring (memory) and then the spill; a reader of a log kept elsewhere (a file
 * written by a detached job's supervisor) would replace both behind the same {@link #read} contract.
 */
public final class LogStreamView implements LogStream {
    private final ChunkLog log;
    private final LogEvent.Source source;
    private final ChunkRing ring;
    private final int capacity;
    /** False for a log made without a stream capacity: the view then keeps nothing beyond what the log keeps. */
    private final boolean keepsLast;
    private final @Nullable LogSpill spill;
    private final long wakeBytes;
    /** The oldest byte {@link #text()} and {@link #open()} show: never decreases. Guarded by the log. */
    private long first;
    private boolean ended;
    /** Readers waiting for data. Guarded by the log. */
    private int waiting;
    /** Bytes added by deferred appends since waiting readers were last woken. Guarded by the log. */
    private long unwoken;
    /** Open readers whose unread bytes are kept. Guarded by the log. */
    private final List<StreamReader> readers = new ArrayList<>(2);
    /** See {@link #full()}; set at each append of this stream, under the log's lock. */
    private volatile boolean full;
    /** The I/O thread's callback while it holds this stream's pipe. Guarded by the log. */
    private @Nullable Runnable resume;

    LogStreamView(ChunkLog log, LogEvent.Source source, ChunkRing ring, int capacity, boolean keepsLast,
            @Nullable LogSpill spill) {
        if (capacity < 1) {
            throw new IllegalArgumentException("stream capacity (" + capacity + ") must be positive");
        }
        this.keepsLast = keepsLast;
        this.log = log;
        this.source = source;
        this.ring = ring;
        this.capacity = capacity;
        this.spill = spill;
        this.wakeBytes = Math.max(1, Math.min(ChunkLog.WAKE_BYTES, capacity / 8));
    }

    /** The stream offset before which nothing must stay for this view's readers. Guarded by the log. */
    private long holdFrom() {
        long hold = ring.streamEnd();
        for (int i = 0; i < readers.size(); i++) {
            hold = Math.min(hold, readers.get(i).position);
        }
        LogSpill s = spill;
        return s != null && !readers.isEmpty() ? Math.max(hold, s.streamEnd(source)) : hold;
    }

    /** True if the log may drop this stream's oldest chunk (there is one). Guarded by the log. */
    boolean mayDrop() {
        long oldestEnd = ring.oldestStreamEnd();
        // The 4 x capacity bound is for many tiny chunks; it never drops the stream's newest chunk, which holds its
        // last bytes (one large read could otherwise leave a view, and a tail reader, with nothing).
        return oldestEnd <= holdFrom()
                && (!keepsLast || oldestEnd <= ring.streamEnd() - capacity
                        || (ring.retainedCost() > 4L * capacity && ring.oldest() != ring.newest()));
    }

    /** The ring grew by {@code len} bytes: true if waiting readers must be woken now. Guarded by the log. */
    boolean grew(int len, boolean deferred) {
        full = !readers.isEmpty() && ring.streamEnd() - holdFrom() >= capacity;
        if (deferred && (unwoken += len) < wakeBytes) {
            return false; // woken by flush() or by a later append
        }
        unwoken = 0;
        return waiting > 0;
    }

    /** True if readers wait for what deferred appends added. Guarded by the log. */
    boolean flush() {
        if (unwoken > 0) {
            unwoken = 0;
            return waiting > 0;
        }
        return false;
    }

    /** After the ring grew or was trimmed: moves {@link #first} on. Guarded by the log. */
    void settle() {
        long last = keepsLast ? ring.streamEnd() - capacity : ring.streamFirst();
        first = Math.max(first, Math.max(ring.streamFirst(), Math.min(last, holdFrom())));
    }

    /** The stream ended. Guarded by the log (which wakes the readers). */
    void end() {
        ended = true;
    }

    /**
     * True if a reader is {@code capacity} bytes behind: what the I/O thread reads now would have to be kept beyond
     * the capacity. Writer only (as of its last append of this stream; {@link #whenRoom} then calls back at once
     * if it is stale).
     */
    public boolean full() {
        return full;
    }

    /** Guarded by the log. */
    private boolean hasRoom() {
        return readers.isEmpty() || ring.streamEnd() - holdFrom() <= capacity - Math.max(1, capacity / 2);
    }

    /** Calls {@code resume} once there is room: at once, or later on the thread of the reader that moved on. */
    public void whenRoom(Runnable resume) {
        synchronized (log) {
            if (!hasRoom()) {
                this.resume = resume;
                return;
            }
            full = false;
        }
        resume.run();
    }

    /** A reader moved on or went away: the I/O thread's callback if it may read on now. Guarded by the log. */
    private @Nullable Runnable released() {
        Runnable r = resume;
        if (r != null && hasRoom()) {
            resume = null;
            full = false;
            log.trimLocked();
            return r;
        }
        return null;
    }

    /** Stops counting {@code reader}. Guarded by the log. */
    private @Nullable Runnable detach(StreamReader reader) {
        if (reader.holding) {
            reader.holding = false;
            readers.remove(reader);
            Runnable r = released();
            log.trimLocked();
            return r;
        }
        return null;
    }

    /** Copies bytes from the reader's position on; -1 at the end (the reader is then released); blocks for data. */
    int read(StreamReader reader, byte[] b, int off, int len) throws IOException {
        int n;
        long lost;
        Runnable go;
        synchronized (log) {
            while (reader.position >= ring.streamEnd() && !ended) {
                waiting++;
                try {
                    log.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for job output");
                } finally {
                    waiting--;
                }
            }
            lost = ring.streamFirst();
            if (reader.position >= ring.streamEnd()) {
                n = -1;
                go = detach(reader);
            } else if (reader.position >= lost) {
                n = ring.copyOut(reader.position, b, off, len);
                reader.position += n;
                go = released();
            } else {
                n = 0; // older than memory: from the spill, outside the lock
                go = null;
            }
        }
        if (n == 0) {
            LogSpill s = spill;
            n = s == null ? -1 : s.readStream(source, reader.position, b, off, len);
            if (n <= 0) {
                throw new IOException("reader fell behind the output buffer: bytes " + reader.position + " to " + lost
                        + " were dropped before it opened the stream (buffer capacity " + capacity + " bytes)");
            }
            synchronized (log) {
                reader.position += n;
                go = released();
            }
        }
        if (go != null) {
            go.run();
        }
        return n;
    }

    @Override
    public InputStream open() {
        synchronized (log) {
            return attach(first);
        }
    }

    @Override
    public InputStream open(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset (" + offset + ") must not be negative");
        }
        synchronized (log) {
            return attach(offset);
        }
    }

    /** Guarded by the log. */
    private StreamReader attach(long offset) {
        StreamReader r = new StreamReader(this, offset);
        if (offset >= ring.streamFirst() && (!ended || offset < ring.streamEnd())) { // older: spill, or fails
            r.holding = true;
            readers.add(r);
        }
        return r;
    }

    int available(StreamReader reader) {
        synchronized (log) {
            return (int) Math.max(0, Math.min(Integer.MAX_VALUE, ring.streamEnd() - Math.max(reader.position, first)));
        }
    }

    void close(StreamReader reader) {
        Runnable go;
        synchronized (log) {
            go = detach(reader);
        }
        if (go != null) {
            go.run();
        }
    }

    @Override
    public long size() {
        synchronized (log) {
            return ring.streamEnd();
        }
    }

    @Override
    public boolean isEnded() {
        synchronized (log) {
            return ended;
        }
    }

    @Override
    public String text() {
        synchronized (log) {
            byte[] out = new byte[(int) (ring.streamEnd() - first)];
            if (out.length > 0) {
                ring.copyOut(first, out, 0, out.length);
            }
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    @Override
    public boolean truncated() {
        synchronized (log) {
            return first > 0;
        }
    }

    /** Chunks of this stream held in memory (for tests of the memory bound). */
    public int chunks() {
        synchronized (log) {
            return ring.count();
        }
    }

    /** Open readers that hold bytes (for tests). */
    public int readers() {
        synchronized (log) {
            return readers.size();
        }
    }

    @Override
    public String toString() {
        return "LogStreamView{" + source + " of " + log + "}";
    }
}
