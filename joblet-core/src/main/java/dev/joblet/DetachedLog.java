package dev.joblet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A reader of a detached job's log file, written by its supervisor (detach.c): records {@code {u32 stream, u32
 * length, u64 offset, u64 time_ms}} + data, little-endian; stream 1 stdout, 2 stderr, 3 the cut record. A position
 * is a byte offset into the file at a record's start ({@link Entry#next()} is the next one; 0 the first); a short
 * record at the end is one being written, read on the next call. Stateless; thread-safe.
 */
public final class DetachedLog {
    static final int HEADER = 24;
    /** The largest record the supervisor writes (one read of 64 KiB); anything larger is a corrupt file. */
    private static final int MAX_RECORD = 1 << 16;

    /** The streams of a log record. */
    public enum Stream {
        STDOUT, STDERR,
        /** Where the log was cut: {@code data} holds {u64 stdout offset, u64 stderr offset}. */
        CUT;

        static Stream of(int code, long position) throws IOException {
            switch (code) {
                case 1: return STDOUT;
                case 2: return STDERR;
                case 3: return CUT;
                default: throw new IOException("log record at " + position + " has stream " + code
                        + " (not a record boundary, or a corrupt log)");
            }
        }
    }

    /**
     * One record.
     *
     * @param stream its stream
     * @param offset the position of its first byte in that stream
     * @param timeMillis when the supervisor read it (epoch milliseconds)
     * @param data the bytes
     * @param position where the record starts in the log file
     * @param next where the next record starts
     */
    @SuppressWarnings("ArrayRecordComponent") // a value read once, never compared
    public record Entry(Stream stream, long offset, long timeMillis, byte[] data, long position, long next) {}

    private final Path file;

    DetachedLog(Path file) {
        this.file = file;
    }

    /**
     * The whole records from {@code position} on, at most about {@code maxBytes} of data (at least one record when
     * there is one).
     *
     * @throws IllegalArgumentException when {@code position} is negative
     * @throws IOException when the file cannot be read or {@code position} is not at a record
     */
    public List<Entry> read(long position, int maxBytes) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("position (" + position + ") must be 0 or more");
        }
        List<Entry> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            long pos = position;
            long taken = 0;
            ByteBuffer hdr = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            while (pos + HEADER <= size && (out.isEmpty() || taken < maxBytes)) {
                hdr.clear();
                readFully(ch, hdr, pos);
                Stream stream = Stream.of(hdr.getInt(0), pos);
                int len = hdr.getInt(4);
                if (len < 0 || len > MAX_RECORD) {
                    throw new IOException("log record at " + pos + " has length " + len + " (a corrupt log)");
                }
                if (pos + HEADER + len > size) {
                    break; // being written
                }
                ByteBuffer data = ByteBuffer.allocate(len);
                readFully(ch, data, pos + HEADER);
                long next = pos + HEADER + len;
                out.add(new Entry(stream, hdr.getLong(8), hdr.getLong(16), data.array(), pos, next));
                taken += len;
                pos = next;
            }
        } catch (NoSuchFileException e) {
            if (position != 0) {
                throw e;
            }
        }
        return out;
    }

    /**
     * Checks that {@code position} is the start of a record (or the end of the file) by walking the record headers
     * from the beginning.
     *
     * @throws IllegalArgumentException naming the position when it is not
     */
    public void requireBoundary(long position) throws IOException {
        if (position == 0) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer hdr = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            long pos = 0;
            long size = ch.size();
            while (pos < position && pos + HEADER <= size) {
                hdr.clear();
                readFully(ch, hdr, pos);
                pos += HEADER + hdr.getInt(4);
            }
            if (pos != position) {
                throw new IllegalArgumentException("since (" + position + ") is not the position of a log record (the"
                        + " log holds " + size + " bytes; use 0 or a 'next' position printed by log --json)");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new IOException("log ended at " + p + " inside a record");
            }
            p += n;
        }
    }
}
