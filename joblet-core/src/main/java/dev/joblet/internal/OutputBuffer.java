package dev.joblet.internal;

import dev.joblet.LogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The last {@code capacity} bytes of one output stream, with absolute offsets. The writer (the I/O thread)
 * never blocks; older bytes are dropped. Readers block for live data. Thread-safe.
 *
 * <p>The bytes are held as segments: large reads are not copied but shared with the job's log (the I/O
 * thread hands over arrays nobody changes), small ones are copied into blocks of this buffer's own. What is
 * retained is exactly {@code [max(0, end - capacity), end)}; the memory held is at most the capacity, plus
 * the dead head of the oldest segment and the free tail of the newest block (each at most a quarter of the
 * capacity or 64 KiB), plus a few dozen bytes per segment. Blocks double from 256 bytes to 64 KiB while small
 * writes follow each other, so a quiet stream costs little.
 */
public final class OutputBuffer implements LogStream {
    /** Shared arrays shorter than this are copied, so that many tiny reads cannot cost more than their bytes. */
    static final int SHARE_MIN = 2048;
    private static final int FIRST_BLOCK = 256;
    private static final int MAX_BLOCK = 64 * 1024;

    private final int capacity;
    /** Segments, oldest first, as a ring: segs[(head + i) % length] for i < count. Guarded by this. */
    private Segment[] segs = new Segment[8];
    private int head;
    private int count;
    /** Total bytes ever appended; the buffer holds [max(0, end - capacity), end). Guarded by this. */
    private long end;
    private boolean ended;
    /** Readers waiting for data. Guarded by this. */
    private int waiting;

    /** Bytes [start, start + len) of the stream are at a[from, from + len). */
    private static final class Segment {
        final byte[] a;
        final int from;
        final long start;
        /** Grows while this is the newest segment and {@link #own}. Guarded by the buffer. */
        int len;
        /** A block of this buffer's own, which appends may fill; else a shared array, never written. */
        final boolean own;

        Segment(byte[] a, int from, int len, long start, boolean own) {
            this.a = a;
            this.from = from;
            this.len = len;
            this.start = start;
            this.own = own;
        }
    }

    public OutputBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be positive");
        }
        this.capacity = capacity;
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

    private synchronized void add(byte[] data, int off, int len, boolean shared) {
        if (len <= 0) {
            return;
        }
        if (len > capacity) { // only the last capacity bytes can ever be read
            off += len - capacity;
            end += len - capacity;
            len = capacity;
        }
        if (shared && len >= SHARE_MIN && len <= capacity / 4) {
            push(new Segment(data, off, len, end, false));
            end += len;
        } else {
            copy(data, off, len);
        }
        trim();
        if (waiting > 0) {
            notifyAll();
        }
    }

    /** Copies into the newest block while it has room, then into new blocks. Guarded by this. */
    private void copy(byte[] data, int off, int len) {
        while (len > 0) {
            Segment tail = count == 0 ? null : segs[(head + count - 1) % segs.length];
            if (tail == null || !tail.own || tail.len == tail.a.length || tail.start + tail.len != end) {
                // blocks double from FIRST_BLOCK up to MAX_BLOCK while small writes follow each other
                int previous = tail != null && tail.own ? tail.a.length : FIRST_BLOCK / 2;
                int size = Math.min(capacity, Math.min(MAX_BLOCK, Math.max(len, 2 * previous)));
                tail = new Segment(new byte[size], 0, 0, end, true);
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

    private void push(Segment s) {
        if (count == segs.length) {
            Segment[] grown = new Segment[segs.length * 2];
            for (int i = 0; i < count; i++) {
                grown[i] = segs[(head + i) % segs.length];
            }
            segs = grown;
            head = 0;
        }
        segs[(head + count) % segs.length] = s;
        count++;
    }

    /** Drops segments that lie wholly before the retained window. Guarded by this. */
    private void trim() {
        long first = first();
        while (count > 1 && segs[head].start + segs[head].len <= first) {
            segs[head] = null;
            head = (head + 1) % segs.length;
            count--;
        }
    }

    /** The oldest retained offset. Guarded by this. */
    private long first() {
        return Math.max(0, end - capacity);
    }

    public synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** Copies bytes from offset into b; returns -1 at the end of the stream, blocks for live data. */
    synchronized int read(long offset, byte[] b, int off, int len) throws IOException {
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
        long first = first();
        if (offset < first) {
            throw new IOException("reader fell behind the output buffer: bytes " + offset + " to " + first
                    + " were dropped (buffer capacity " + capacity + " bytes)");
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
            Segment s = segs[(head + i) % segs.length];
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
        long from;
        synchronized (this) {
            from = first();
        }
        return open(from);
    }

    @Override
    public InputStream open(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset (" + offset + ") must not be negative");
        }
        return new InputStream() {
            private long position = offset;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                int n = OutputBuffer.this.read(position, b, off, len);
                if (n > 0) {
                    position += n;
                }
                return n;
            }
        };
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
        long first = first();
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
        return end > capacity;
    }
}
