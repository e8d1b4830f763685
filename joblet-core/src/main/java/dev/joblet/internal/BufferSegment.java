package dev.joblet.internal;

/**
 * Bytes [start, start + len) of an {@link OutputBuffer}'s stream, held at a[from, from + len): a block of the
 * buffer's own, or an array shared with the job's log. Guarded by its buffer.
 */
final class BufferSegment {
    final byte[] a;
    final int from;
    final long start;
    /** Grows while this is the newest segment and {@link #own}. Guarded by the buffer. */
    int len;
    /** A block of this buffer's own, which appends may fill; else a shared array, never written. */
    final boolean own;

    BufferSegment(byte[] a, int from, int len, long start, boolean own) {
        this.a = a;
        this.from = from;
        this.len = len;
        this.start = start;
        this.own = own;
    }
}
