package dev.joblet;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One event of a job's log ({@link JobLog}): a chunk of output ({@link Data}) or an explicit loss
 * ({@link Gap}). Every event covers the byte range {@code [offset(), endOffset())} of the job's log, in
 * which stdout and stderr are interleaved in the order the library read them; consecutive events a
 * subscriber receives are contiguous (the next one starts where the previous ended). Immutable.
 */
public sealed interface LogEvent permits LogEvent.Data, LogEvent.Gap {
    /** Which of the job's output streams a chunk came from. */
    enum Source {
        STDOUT,
        STDERR
    }

    /** The log offset of this event's first byte. */
    long offset();

    /** The log offset just past this event's last byte: where the next event starts, and where to resume. */
    long endOffset();

    /**
     * Output bytes from one stream, with the time the library read them. The bytes are exactly what the
     * job wrote (invalid UTF-8 included); {@link #text()} is a convenience that replaces invalid sequences.
     * Immutable.
     */
    final class Data implements LogEvent {
        private final Source source;
        private final long offset;
        private final Instant time;
        private final byte[] bytes; // never modified; shared by slices
        private final int from;
        private final int length;

        /** Creates a chunk over a copy of {@code data[off, off+len)}. */
        public static Data of(Source source, long offset, Instant time, byte[] data, int off, int len) {
            if (offset < 0) {
                throw new IllegalArgumentException("offset (" + offset + ") must not be negative");
            }
            byte[] copy = new byte[len];
            System.arraycopy(data, off, copy, 0, len);
            return new Data(source, offset, time, copy, 0, len);
        }

        /** A chunk over {@code data[off, off+len)} itself: the caller hands those bytes over and never changes them. */
        static Data wrap(Source source, long offset, Instant time, byte[] data, int off, int len) {
            if (offset < 0 || off < 0 || len < 0 || len > data.length - off) {
                throw new IllegalArgumentException("chunk [" + offset + ", +" + len + ") at " + off + " of " + data.length + " bytes");
            }
            return new Data(source, offset, time, data, off, len);
        }

        private Data(Source source, long offset, Instant time, byte[] bytes, int from, int length) {
            this.source = source;
            this.offset = offset;
            this.time = time;
            this.bytes = bytes;
            this.from = from;
            this.length = length;
        }

        /** The part of this chunk from log offset {@code at} on (no copy). */
        public Data sliceFrom(long at) {
            int skip = Math.toIntExact(at - offset);
            if (skip < 0 || skip > length) {
                throw new IllegalArgumentException("offset (" + at + ") is outside [" + offset + ", " + endOffset() + ")");
            }
            return skip == 0 ? this : new Data(source, at, time, bytes, from + skip, length - skip);
        }

        /** The first {@code n} bytes of this chunk (no copy). */
        public Data sliceTo(int n) {
            if (n < 0 || n > length) {
                throw new IllegalArgumentException("length (" + n + ") is outside [0, " + length + "]");
            }
            return n == length ? this : new Data(source, offset, time, bytes, from, n);
        }

        public Source source() {
            return source;
        }

        @Override
        public long offset() {
            return offset;
        }

        @Override
        public long endOffset() {
            return offset + length;
        }

        /** When the library read these bytes from the job's pipe. */
        public Instant time() {
            return time;
        }

        public int length() {
            return length;
        }

        /** A copy of the bytes. */
        public byte[] bytes() {
            byte[] copy = new byte[length];
            System.arraycopy(bytes, from, copy, 0, length);
            return copy;
        }

        /** The bytes as a read-only buffer (no copy). */
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes, from, length).slice().asReadOnlyBuffer();
        }

        public void writeTo(OutputStream out) throws IOException {
            out.write(bytes, from, length);
        }

        /**
         * The bytes decoded as UTF-8, invalid sequences replaced by U+FFFD. A multi-byte character split
         * across two chunks is replaced too: {@link SseEncoder} keeps such characters whole.
         */
        public String text() {
            return new String(bytes, from, length, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Data{" + source + " [" + offset + ", " + endOffset() + ") at " + time + "}";
        }
    }

    /**
     * The bytes {@code [offset, endOffset)} were dropped before this subscriber received them: the log
     * retains a bounded amount and the subscriber was too slow, or resumed from an offset no longer
     * retained. Never silent: every loss is one of these.
     */
    record Gap(long offset, long endOffset) implements LogEvent {
        public Gap {
            if (offset < 0 || endOffset <= offset) {
                throw new IllegalArgumentException("gap [" + offset + ", " + endOffset + ") must be a non-empty range");
            }
        }

        /** How many bytes were lost. */
        public long lost() {
            return endOffset - offset;
        }
    }
}
