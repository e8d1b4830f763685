package dev.joblet.internal;

import dev.joblet.LogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The last {@code capacity} bytes of one output stream, with absolute offsets, and what its readers have not
 * read yet. The writer (the I/O thread) never blocks. Readers block for live data. Thread-safe.
 *
 * <p>Every {@link #open} stream is a lossless reader until it is closed or reaches the end: bytes it has not
 * read are never dropped. While one of them is {@code capacity} bytes behind, {@link #full()} is true, and the
 * I/O thread stops reading the job's pipe (back-pressure) until {@link #whenRoom} calls it back: once that reader
 * is {@link #resumeSlack()} (half the capacity) closer, or gone. Without readers the buffer keeps the last {@code capacity}
 * bytes and drops older ones, so output nobody reads never blocks the job and never grows the heap.
 *
 * <p>The bytes are held as segments: large reads are not copied but shared with the job's log (the I/O
 * thread hands over arrays nobody changes), small ones are copied into blocks of this buffer's own. What is
 * retained is {@code [first, end)}: the last {@code capacity} bytes, or from the oldest unread byte of a reader,
 * which is at most {@code capacity} plus one read of the I/O thread (at most 1 MiB) behind, or, after the job
 * ended, plus what its pipe still held. The memory held is that, plus the dead head of the oldest segment and the
 * free tail of the newest block (each at most a quarter of the capacity or 64 KiB), plus a few dozen bytes per
 * segment. Blocks double from 256 bytes to 64 KiB while small writes follow each other, so a quiet stream costs
 * little.
 */
public final class OutputBuffer implements LogStream {
    /** Shared arrays shorter than this are copied, so that many tiny reads cannot cost more than their bytes. */
    static final int SHARE_MIN = 2048;
    private static final int FIRST_BLOCK = 256;
    private static final int MAX_BLOCK = 64 * 1024;

    private final int capacity;
    /** Segments, oldest first, as a ring: segs[(head + i) % length] for i < count. Guarded by this. */
    private BufferSegment[] segs = new BufferSegment[8];
    private int head;
    private int count;
    /** Total bytes ever appended; the buffer holds [first, end). Guarded by this. */
    private long end;
    /**
     * The oldest retained offset: {@code max(0, end - capacity)}, or less while a reader has not read that far.
     * Never decreases. Guarded by this.
     */
    private long first;
    private boolean ended;
    /** Readers waiting for data. Guarded by this. */
    private int waiting;
    /** Bytes added by {@link #appendDeferred} since waiting readers were last woken. Guarded by this. */
    private long unwoken;
    private final long wakeBytes;
    /** Open streams: lossless readers, whose unread bytes are kept. Guarded by this. */
    private final java.util.List<BufferReader> readers = new java.util.ArrayList<>(2);
    /** See {@link #full()}; set by the writer at each append, under the lock. */
    private volatile boolean full;
    /** The I/O thread's callback while it holds the pipe (see {@link #whenRoom}). Guarded by this. */
    private @org.jspecify.annotations.Nullable Runnable resume;

    public OutputBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be positive");
        }
        this.capacity = capacity;
        this.wakeBytes = Math.max(1, Math.min(ChunkLog.WAKE_BYTES, capacity / 8));
    }

    /** Appends a copy of {@code data[off, off+len)}; called by the I/O thread only, never blocks. */
    public void append(byte[] data, int off, int len) {
        add(data, off, len, false);
    }

    /**
     * Appends {@code data[off, off+len)}, keeping a reference instead of a copy when that is worth it: the
     * caller promises the bytes never change. Called by the I/O thread only, never blocks.
     */
    public void appendShared(byte[] data, int off, int len) {
        add(data, off, len, true);
    }

    /**
     * As {@link #appendShared}, but a waiting reader is woken only once {@link ChunkLog#WAKE_BYTES} (an eighth of
     * the capacity if less) piled up, or at the next {@link #flush}: the I/O thread appends a fast job's output in
     * bursts and flushes when the pipe is empty, so a reader that keeps up is woken per MiB or per burst.
     */
    public void appendDeferred(byte[] data, int off, int len) {
        add(data, off, len, true, true);
    }

    /** Wakes the readers that wait for what {@link #appendDeferred} added. Writer only. */
    public synchronized void flush() {
        if (unwoken > 0) {
            unwoken = 0;
            if (waiting > 0) {
                notifyAll();
            }
        }
    }

    private void add(byte[] data, int off, int len, boolean shared) {
        add(data, off, len, shared, false);
    }

    private synchronized void add(byte[] data, int off, int len, boolean shared, boolean deferred) {
        if (len <= 0) {
            return;
        }
        if (len > capacity && readers.isEmpty()) { // only the last capacity bytes can ever be read
            off += len - capacity;
            end += len - capacity;
            len = capacity;
        }
        if (shared && len >= SHARE_MIN && len <= capacity / 4) {
            push(new BufferSegment(data, off, len, end, false));
            end += len;
        } else {
            copy(data, off, len);
        }
        trim();
        full = !readers.isEmpty() && end - oldestUnread() >= capacity;
        if (deferred && (unwoken += len) < wakeBytes) {
            return; // woken by flush() or by a later append
        }
        unwoken = 0;
        if (waiting > 0) {
            notifyAll();
        }
    }

    /** Copies into the newest block while it has room, then into new blocks. Guarded by this. */
    private void copy(byte[] data, int off, int len) {
        while (len > 0) {
            BufferSegment tail = count == 0 ? null : segs[(head + count - 1) % segs.length];
            if (tail == null || !tail.own || tail.len == tail.a.length || tail.start + tail.len != end) {
                // blocks double from FIRST_BLOCK up to MAX_BLOCK while small writes follow each other
                int previous = tail != null && tail.own ? tail.a.length : FIRST_BLOCK / 2;
                int size = Math.min(capacity, Math.min(MAX_BLOCK, Math.max(len, 2 * previous)));
                tail = new BufferSegment(new byte[size], 0, 0, end, true);
                push(tail);
            }
            int n = Math.min(len, tail.a.length - tail.len);
            System.arraycopy(data, off, tail.a, tail.len, n);
            tail.len += n;
            end += n;
            off += n;
            len -= n;
        }
    }

    private void push(BufferSegment s) {
        if (count == segs.length) {
            BufferSegment[] grown = new BufferSegment[segs.length * 2];
            for (int i = 0; i < count; i++) {
                grown[i] = segs[(head + i) % segs.length];
            }
            segs = grown;
            head = 0;
        }
        segs[(head + count) % segs.length] = s;
        count++;
    }

    /** Moves {@link #first} on as far as the readers allow and drops segments wholly before it. Guarded by this. */
    private void trim() {
        first = Math.max(first, Math.min(end - capacity, oldestUnread()));
        while (count > 1 && segs[head].start + segs[head].len <= first) {
            segs[head] = null;
            head = (head + 1) % segs.length;
            count--;
        }
    }

    /** The oldest offset a reader still has to read ({@code end} if none). Guarded by this. */
    private long oldestUnread() {
        long min = end;
        for (int i = 0; i < readers.size(); i++) {
            min = Math.min(min, readers.get(i).position);
        }
        return min;
    }

    /**
     * True if a reader is {@code capacity} bytes behind: what the I/O thread reads now would have to be kept
     * beyond the capacity. Writer only (as of its last append; a reader that moved on since makes it stale, and
     * {@link #whenRoom} then calls back at once).
     */
    public boolean full() {
        return full;
    }

    /**
     * How much closer a reader that held the I/O thread must come before it reads on: half the capacity, so that
     * a reader that is fast but was held up costs few round trips to the I/O thread (each waits for a CPU).
     */
    int resumeSlack() {
        return Math.max(1, capacity / 2);
    }

    /**
     * Calls {@code resume} once there is room ({@link #full()} has turned false by {@link #resumeSlack()}):
     * at once, or later on the thread of the reader that read on or closed. Writer only.
     */
    public void whenRoom(Runnable resume) {
        synchronized (this) {
            if (hasRoom()) {
                full = false;
            } else {
                this.resume = resume;
                return;
            }
        }
        resume.run();
    }

    /** Guarded by this. */
    private boolean hasRoom() {
        return readers.isEmpty() || end - oldestUnread() <= capacity - resumeSlack();
    }

    /** A reader moved on or went away: returns the I/O thread's callback if it may read on now. Guarded by this. */
    private @org.jspecify.annotations.Nullable Runnable released() {
        Runnable r = resume;
        if (r != null && hasRoom()) {
            resume = null;
            full = false;
            trim();
            return r;
        }
        return null;
    }

    public synchronized void end() {
        ended = true;
        notifyAll();
    }

    /**
     * Copies bytes from the reader's position into b and moves it on; returns -1 at the end of the stream (the
     * reader is then closed), blocks for live data.
     */
    int read(BufferReader reader, byte[] b, int off, int len) throws IOException {
        int n;
        Runnable go;
        synchronized (this) {
            n = readAt(reader.position, b, off, len);
            if (n > 0) {
                reader.position += n;
            }
            go = n < 0 ? detach(reader) : released();
        }
        if (go != null) {
            go.run();
        }
        return n;
    }

    /** Stops counting reader as one that must not lose bytes. Guarded by this. */
    private @org.jspecify.annotations.Nullable Runnable detach(BufferReader reader) {
        if (readers.remove(reader)) {
            Runnable r = released();
            trim();
            return r;
        }
        return null;
    }

    /** Guarded by this. */
    private int readAt(long offset, byte[] b, int off, int len) throws IOException {
        while (offset >= end && !ended) {
            waiting++;
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for job output");
            } finally {
                waiting--;
            }
        }
        if (offset < first) {
            throw new IOException("reader fell behind the output buffer: bytes " + offset + " to " + first
                    + " were dropped before it opened the stream (buffer capacity " + capacity + " bytes)");
        }
        if (offset >= end) {
            return -1;
        }
        return copyOut(offset, b, off, (int) Math.min(len, end - offset));
    }

    /** Copies n retained bytes from offset on into b. Guarded by this. */
    private int copyOut(long offset, byte[] b, int off, int n) {
        int i = segmentAt(offset);
        int done = 0;
        while (done < n) {
            BufferSegment s = segs[(head + i) % segs.length];
            int skip = (int) (offset + done - s.start);
            int part = Math.min(n - done, s.len - skip);
            System.arraycopy(s.a, s.from + skip, b, off + done, part);
            done += part;
            i++;
        }
        return n;
    }

    /** The index (from the oldest) of the segment holding a retained offset. Guarded by this. */
    private int segmentAt(long offset) {
        int lo = 0, hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segs[(head + mid) % segs.length].start <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public InputStream open() {
        synchronized (this) {
            return attach(first);
        }
    }

    @Override
    public InputStream open(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset (" + offset + ") must not be negative");
        }
        synchronized (this) {
            return attach(offset);
        }
    }

    /** Guarded by this. */
    private BufferReader attach(long offset) {
        BufferReader r = new BufferReader(this, offset);
        if (offset >= first && (!ended || offset < end)) { // an older offset fails at its first read
            readers.add(r);
        }
        return r;
    }

    /** What a reader at {@code position} can read without blocking. */
    synchronized int available(long position) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, end - Math.max(position, first)));
    }

    /** A reader was closed: the job never waits for a closed reader. */
    void close(BufferReader reader) {
        Runnable go;
        synchronized (this) {
            go = detach(reader);
        }
        if (go != null) {
            go.run();
        }
    }

    @Override
    public synchronized long size() {
        return end;
    }

    @Override
    public synchronized boolean isEnded() {
        return ended;
    }

    @Override
    public synchronized String text() {
        byte[] out = new byte[(int) (end - first)];
        if (out.length > 0) {
            copyOut(first, out, 0, out.length);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Segments held (for tests of the memory bound). */
    synchronized int segments() {
        return count;
    }

    @Override
    public synchronized boolean truncated() {
        return first > 0;
    }

    /** Open readers (for tests). */
    synchronized int readers() {
        return readers.size();
    }
}
