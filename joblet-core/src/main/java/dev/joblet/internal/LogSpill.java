package dev.joblet.internal;

import dev.joblet.LogEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's whole log on disk, in a private per-job directory: {@code log.data} holds the bytes at their log
 * offsets (file position = log offset, so no index is needed for bytes), {@code log.index} one fixed-size
 * record per chunk (offset, stream, time) so that reads keep the chunks' streams and times. Memory use does not
 * grow with the log. Written by the I/O thread only (appends); read by the delivery pool (positional reads).
 * If a write fails (disk full), spilling stops there and the log says so; what was written stays readable.
 * {@link #close()} deletes the directory. Thread-safe.
 */
public final class LogSpill implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogSpill.class);
    /** offset (8), stream (1), epoch seconds (8), nanos (4). */
    private static final int RECORD = 21;
    /** The largest event built from the file: a long run of one stream is delivered in pieces of this size. */
    static final int MAX_READ = 256 * 1024;

    private final Path dir;
    private final FileChannel data;
    private final FileChannel index;
    private final ByteBuffer record = ByteBuffer.allocate(RECORD); // I/O thread only
    /** Bytes [0, end) are on disk; -1 once closed. Guarded by this. */
    private long end;
    /** Chunks recorded in the index. Guarded by this. */
    private long chunks;
    /** False after a failed write: nothing more is spilled. Guarded by this. */
    private boolean writable = true;

    private LogSpill(Path dir, FileChannel data, FileChannel index) {
        this.dir = dir;
        this.data = data;
        this.index = index;
    }

    /** Creates {@code parent/joblet-<id>/} (mode 0700) with empty log files. */
    public static LogSpill create(Path parent, String id) throws IOException {
        Path dir = Files.createDirectory(parent.resolve("joblet-" + id),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        FileChannel data = null;
        try {
            data = FileChannel.open(dir.resolve("log.data"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileChannel index = FileChannel.open(dir.resolve("log.index"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new LogSpill(dir, data, index);
        } catch (IOException | RuntimeException e) {
            if (data != null) {
                data.close();
            }
            Files.deleteIfExists(dir.resolve("log.data"));
            Files.deleteIfExists(dir);
            throw e;
        }
    }

    /** The per-job directory. */
    public Path directory() {
        return dir;
    }

    /** Appends a chunk (its offset must be {@link #end()}); I/O thread only. False if nothing more is spilled. */
    synchronized boolean append(LogEvent.Data chunk) {
        if (!writable || end < 0) {
            return false;
        }
        if (chunk.offset() != end) {
            throw new IllegalStateException("chunk at " + chunk.offset() + " but the spill ends at " + end);
        }
        try {
            ByteBuffer b = chunk.buffer();
            while (b.hasRemaining()) {
                data.write(b, end + b.position());
            }
            record.clear();
            record.putLong(chunk.offset()).put((byte) chunk.source().ordinal())
                    .putLong(chunk.time().getEpochSecond()).putInt(chunk.time().getNano()).flip();
            while (record.hasRemaining()) {
                index.write(record, chunks * RECORD + record.position());
            }
        } catch (IOException e) {
            writable = false;
            log.warn("log spill {}: write failed, spilling stops at offset {}: {}", dir, end, e.getMessage());
            return false;
        }
        chunks++;
        end = chunk.endOffset();
        return true;
    }

    /** Bytes [0, end()) can be read back. */
    public synchronized long end() {
        return Math.max(0, end);
    }

    /** The event at {@code cursor} (at most {@link #MAX_READ} bytes of one chunk), or null if not on disk. */
    LogEvent.@Nullable Data read(long cursor) {
        long limit, count;
        synchronized (this) {
            limit = end;
            count = chunks;
        }
        if (cursor < 0 || cursor >= limit) {
            return null;
        }
        try {
            long lo = 0, hi = count - 1; // the last chunk whose offset <= cursor
            ByteBuffer r = ByteBuffer.allocate(RECORD);
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                if (offsetAt(r, mid) <= cursor) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            readRecord(r, lo);
            long start = r.getLong(0);
            LogEvent.Source source = LogEvent.Source.values()[r.get(8)];
            Instant time = Instant.ofEpochSecond(r.getLong(9), r.getInt(17));
            long chunkEnd = lo + 1 < count ? offsetAt(r, lo + 1) : limit;
            int n = (int) Math.min(MAX_READ, chunkEnd - cursor);
            byte[] bytes = new byte[n];
            ByteBuffer into = ByteBuffer.wrap(bytes);
            while (into.hasRemaining()) {
                if (data.read(into, cursor + into.position()) < 0) {
                    throw new IOException("unexpected end of " + dir.resolve("log.data"));
                }
            }
            return LogEvent.Data.of(source, cursor, time, bytes, 0, n);
        } catch (IOException e) { // closed meanwhile (the job was closed), or the disk failed
            log.debug("log spill {}: read at {} failed: {}", dir, cursor, e.toString());
            return null;
        }
    }

    private long offsetAt(ByteBuffer r, long i) throws IOException {
        readRecord(r, i);
        return r.getLong(0);
    }

    private void readRecord(ByteBuffer r, long i) throws IOException {
        r.clear();
        while (r.hasRemaining()) {
            if (index.read(r, i * RECORD + r.position()) < 0) {
                throw new IOException("unexpected end of " + dir.resolve("log.index"));
            }
        }
    }

    /** Closes and deletes the files and the directory. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (end < 0) {
                return;
            }
            end = -1;
        }
        IOException failure = null;
        for (AutoCloseable c : new AutoCloseable[] {data, index}) {
            try {
                c.close();
            } catch (Exception e) {
                failure = failure == null ? new IOException("closing the log spill " + dir, e) : failure;
            }
        }
        for (Path p : new Path[] {dir.resolve("log.data"), dir.resolve("log.index"), dir}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
