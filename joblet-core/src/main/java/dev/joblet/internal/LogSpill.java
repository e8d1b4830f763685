package dev.joblet.internal;

import dev.joblet.LogEvent;
import dev.joblet.namespaces.KernelOwned;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's whole log on disk, in two files with no name in the spill directory's filesystem
 * ({@link KernelOwned#unnamedFile}): the data file holds the bytes at their log offsets (file position = log
 * offset, so no index is needed for bytes), the index one fixed-size record per chunk (offset, stream, time) so
 * that reads keep the chunks' streams and times. Memory use does not grow with the log. Nothing is ever named on
 * disk: the kernel frees the files when they are closed, or when the JVM dies (even by SIGKILL), so no sweep is
 * needed. Written by the I/O thread only (appends); read by the delivery pool (positional reads). If a write
 * fails (disk full), spilling stops there and the log says so; what was written stays readable.
 * {@link #close()} frees the files. Thread-safe.
 */
public final class LogSpill implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogSpill.class);
    /** offset (8), stream (1), epoch seconds (8), nanos (4). */
    private static final int RECORD = 21;
    /** The largest event built from the file: a long run of one stream is delivered in pieces of this size. */
    static final int MAX_READ = 256 * 1024;

    /** The spill directory (the parent the spec named), for messages: nothing of ours has a name in it. */
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

    /** Creates the empty, unnamed log files (mode 0600) of job {@code id} in the directory {@code parent}. */
    public static LogSpill create(Path parent, String id) throws IOException {
        if (!Files.isDirectory(parent)) {
            throw new java.nio.file.NoSuchFileException(parent.toString(), null, "not a directory");
        }
        FileChannel data = KernelOwned.unnamedFile(parent);
        try {
            return new LogSpill(parent, data, KernelOwned.unnamedFile(parent));
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /** The spill directory the files are in (with no name). */
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
            Instant time = chunk.time();
            record.putLong(chunk.offset()).put((byte) chunk.source().ordinal())
                    .putLong(time.getEpochSecond()).putInt(time.getNano()).flip();
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
            LogEvent.Source source = LogEvent.Source.values()[r.get(8)];
            Instant time = Instant.ofEpochSecond(r.getLong(9), r.getInt(17));
            long chunkEnd = lo + 1 < count ? offsetAt(r, lo + 1) : limit;
            int n = (int) Math.min(MAX_READ, chunkEnd - cursor);
            byte[] bytes = new byte[n];
            ByteBuffer into = ByteBuffer.wrap(bytes);
            while (into.hasRemaining()) {
                if (data.read(into, cursor + into.position()) < 0) {
                    throw new IOException("unexpected end of the log spill's data in " + dir);
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
                throw new IOException("unexpected end of the log spill's index in " + dir);
            }
        }
    }

    /** Closes the files, which frees them. Idempotent. */
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
        if (failure != null) {
            throw failure;
        }
    }
}
