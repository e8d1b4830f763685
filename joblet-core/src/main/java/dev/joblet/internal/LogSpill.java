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
 * A job's whole log on disk, in files with no name in the spill directory's filesystem
 * ({@link KernelOwned#unnamedFile}): the data file holds the bytes at their log offsets (file position = log
 * offset, so no index is needed for bytes), the index one fixed-size record per chunk (offset, stream, time) so
 * that reads keep the chunks' streams and times, and one stream index per stream (a record per chunk of that
 * stream: its stream offset and its log offset) so that a stream's reader ({@link #readStream}) finds its bytes
 * by stream offset. Memory use does not grow with the log. Nothing is ever named on
 * disk: the kernel frees the files when they are closed, or when the JVM dies (even by SIGKILL), so no sweep is
 * needed. Written by the I/O thread only (appends); read by the delivery pool (positional reads). If a write
 * fails (disk full), spilling stops there and the log says so; what was written stays readable.
 * {@link #close()} frees the files. Thread-safe.
 */
public final class LogSpill implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogSpill.class);
    /** offset (8), stream (1), epoch seconds (8), nanos (4). */
    private static final int RECORD = 21;
    /** stream offset (8), log offset (8). */
    private static final int STREAM_RECORD = 16;
    /** The largest event built from the file: a long run of one stream is delivered in pieces of this size. */
    static final int MAX_READ = 256 * 1024;

    /** The spill directory (the parent the spec named), for messages: nothing of ours has a name in it. */
    private final Path dir;
    private final FileChannel data;
    private final FileChannel index;
    /**
     * The streams' indexes, interleaved: record i of stream s (by {@code Source.ordinal()}) of {@link
     * #STREAM_RECORD} bytes at {@code (2 i + s) * STREAM_RECORD}, one per chunk (a sparse file where the streams
     * are unbalanced).
     */
    private final FileChannel streams;
    private final ByteBuffer record = ByteBuffer.allocate(RECORD); // I/O thread only
    private final ByteBuffer streamRecord = ByteBuffer.allocate(STREAM_RECORD); // I/O thread only
    /** Per stream: bytes on disk, and chunks in its stream index. Guarded by this. */
    private final long[] streamEnd = new long[2];
    private final long[] streamChunks = new long[2];
    /** Bytes [0, end) are on disk; -1 once closed. Guarded by this. */
    private long end;
    /** Chunks recorded in the index. Guarded by this. */
    private long chunks;
    /** False after a failed write: nothing more is spilled. Guarded by this. */
    private boolean writable = true;

    private LogSpill(Path dir, FileChannel data, FileChannel index, FileChannel streams) {
        this.dir = dir;
        this.data = data;
        this.index = index;
        this.streams = streams;
    }

    /** Creates the empty, unnamed log files (mode 0600) of job {@code id} in the directory {@code parent}. */
    public static LogSpill create(Path parent, String id) throws IOException {
        if (!Files.isDirectory(parent)) {
            throw new java.nio.file.NoSuchFileException(parent.toString(), null, "not a directory");
        }
        FileChannel[] files = new FileChannel[3];
        try {
            for (int i = 0; i < files.length; i++) {
                files[i] = KernelOwned.unnamedFile(parent);
            }
            return new LogSpill(parent, files[0], files[1], files[2]);
        } catch (IOException | RuntimeException e) {
            for (FileChannel f : files) {
                if (f != null) {
                    try {
                        f.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
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
            int s = chunk.source().ordinal();
            streamRecord.clear();
            streamRecord.putLong(streamEnd[s]).putLong(chunk.offset()).flip();
            while (streamRecord.hasRemaining()) {
                streams.write(streamRecord, (2 * streamChunks[s] + s) * STREAM_RECORD + streamRecord.position());
            }
            streamChunks[s]++;
            streamEnd[s] += chunk.length();
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

    /** Stream {@code source}'s bytes [0, streamEnd(source)) can be read back with {@link #readStream}. */
    synchronized long streamEnd(LogEvent.Source source) {
        return end < 0 ? 0 : streamEnd[source.ordinal()];
    }

    /**
     * Copies up to {@code len} bytes of stream {@code source} from its stream offset {@code at} into {@code b}
     * (at most to the end of the chunk holding it); returns how many, or -1 if they are not on disk (never
     * spilled, or the spill was closed).
     */
    int readStream(LogEvent.Source source, long at, byte[] b, int off, int len) {
        int s = source.ordinal();
        long limit, count;
        synchronized (this) {
            limit = end < 0 ? 0 : streamEnd[s];
            count = streamChunks[s];
        }
        if (at < 0 || at >= limit || len == 0) {
            return at >= 0 && at < limit ? 0 : -1;
        }
        try {
            ByteBuffer r = ByteBuffer.allocate(STREAM_RECORD);
            long lo = 0, hi = count - 1; // the last chunk whose stream offset <= at
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                if (streamRecordAt(s, r, mid) <= at) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            long chunkStream = streamRecordAt(s, r, lo);
            long chunkLog = r.getLong(8);
            long chunkStreamEnd = lo + 1 < count ? streamRecordAt(s, r, lo + 1) : limit;
            int n = (int) Math.min(len, chunkStreamEnd - at);
            ByteBuffer into = ByteBuffer.wrap(b, off, n);
            long from = chunkLog + (at - chunkStream);
            while (into.hasRemaining()) {
                if (data.read(into, from + (into.position() - off)) < 0) {
                    throw new IOException("unexpected end of the log spill's data in " + dir);
                }
            }
            return n;
        } catch (IOException e) { // closed meanwhile (the job was closed), or the disk failed
            log.debug("log spill {}: read of {} at {} failed: {}", dir, source, at, e.toString());
            return -1;
        }
    }

    private long streamRecordAt(int s, ByteBuffer r, long i) throws IOException {
        r.clear();
        while (r.hasRemaining()) {
            if (streams.read(r, (2 * i + s) * STREAM_RECORD + r.position()) < 0) {
                throw new IOException("unexpected end of the log spill's stream index in " + dir);
            }
        }
        return r.getLong(0);
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
        for (AutoCloseable c : new AutoCloseable[] {data, index, streams}) {
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
