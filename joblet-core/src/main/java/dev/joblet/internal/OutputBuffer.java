package dev.joblet.internal;

import dev.joblet.LogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A bounded ring of one output stream with absolute offsets. The writer (the I/O thread) never blocks;
 * when the ring is full the oldest bytes are dropped. Readers block for live data. Thread-safe.
 */
public final class OutputBuffer implements LogStream {
    private final int capacity;
    /** Grows up to capacity before it first wraps, so idle jobs cost little. Guarded by this. */
    private byte[] ring;
    /** Total bytes ever appended; the ring holds [max(0, end - capacity), end). Guarded by this. */
    private long end;
    private boolean ended;

    public OutputBuffer(int capacity) {
        this.capacity = capacity;
        this.ring = new byte[Math.min(capacity, 4096)];
    }

    /** Appends; called by the I/O thread only, never blocks. */
    public synchronized void append(byte[] data, int off, int len) {
        if (ring.length < capacity && end + len > ring.length) {
            int size = (int) Math.min(capacity, Math.max(2L * ring.length, end + len));
            ring = java.util.Arrays.copyOf(ring, size); // not wrapped yet: [0, end) is linear
        }
        int cap = ring.length;
        if (len > cap) {
            off += len - cap;
            end += len - cap;
            len = cap;
        }
        int pos = (int) (end % cap);
        int first = Math.min(len, cap - pos);
        System.arraycopy(data, off, ring, pos, first);
        System.arraycopy(data, off + first, ring, 0, len - first);
        end += len;
        notifyAll();
    }

    public synchronized void end() {
        ended = true;
        notifyAll();
    }

    private synchronized long start() {
        return Math.max(0, end - ring.length);
    }

    /** Copies bytes from offset into b; returns -1 at the end of the stream, blocks for live data. */
    synchronized int read(long offset, byte[] b, int off, int len) throws IOException {
        while (offset >= end && !ended) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for job output");
            }
        }
        long first = Math.max(0, end - ring.length);
        if (offset < first) {
            throw new IOException("reader fell behind the output buffer: bytes " + offset + " to " + first
                    + " were dropped (buffer capacity " + ring.length + " bytes)");
        }
        if (offset >= end) {
            return -1;
        }
        int n = (int) Math.min(len, end - offset);
        int cap = ring.length;
        int pos = (int) (offset % cap);
        int firstPart = Math.min(n, cap - pos);
        System.arraycopy(ring, pos, b, off, firstPart);
        System.arraycopy(ring, 0, b, off + firstPart, n - firstPart);
        return n;
    }

    @Override
    public InputStream open() {
        return open(start());
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
        long first = Math.max(0, end - ring.length);
        byte[] out = new byte[(int) (end - first)];
        int cap = ring.length;
        int pos = (int) (first % cap);
        int firstPart = Math.min(out.length, cap - pos);
        System.arraycopy(ring, pos, out, 0, firstPart);
        System.arraycopy(ring, 0, out, firstPart, out.length - firstPart);
        return new String(out, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized boolean truncated() {
        return end > ring.length;
    }
}
