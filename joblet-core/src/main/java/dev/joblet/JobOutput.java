package dev.joblet;

import dev.joblet.internal.ChunkLog;
import dev.joblet.internal.LogSpill;
import dev.joblet.internal.LogStreamView;
import dev.joblet.namespaces.OutputHandler;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A job's output as it arrives, written once into its log ({@link ChunkLog}, the one store), whose two stream
 * views are {@code stdout()} and {@code stderr()}; made before the launch (the launch delivers into it) and
 * owned by the {@link Job} after. Delivers on the I/O thread and never blocks. The writer's policy lives here:
 * large reads handed over are kept as they are (no copy), small ones are copied into blocks that later small
 * reads of the same stream fill while nothing else came between and they follow within {@link #MERGE_WINDOW_NANOS}
 * (so tiny writes cost little). A stream's pipe is held ({@link #full}) while a lossless reader of that stream,
 * or a lossless subscriber of the log, is a whole retention behind. Thread-safe (the I/O thread calls it).
 */
final class JobOutput implements OutputHandler {
    /** Handed-over reads shorter than this are copied, so that many tiny reads cannot pin the arrays they are in. */
    static final int SHARE_MIN = 2048;
    static final int FIRST_BLOCK = 256;
    static final int MAX_BLOCK = 64 * 1024;
    /** Small reads merge into one chunk only if they come this soon after its first byte (its time). */
    static final long MERGE_WINDOW_NANOS = 5_000_000;

    final LogStreamView stdout;
    final LogStreamView stderr;
    final ChunkLog logs;
    private final int streamCapacity;
    private final InstantSource clock;
    /** Per stream (by ordinal): the block being filled and the chunk over it (null if none). I/O thread only. */
    private final byte[][] blocks = new byte[2][];
    private final LogEvent.@Nullable Data[] blockChunks = new LogEvent.Data[2];

    /** {@code spill}: where the log spills to disk, owned by the log from here on; {@code delivery}: the owner's log threads. */
    JobOutput(JobId id, JobSpec spec, @Nullable LogSpill spill, Executor delivery) {
        this(id.shortForm(), (int) spec.outputBuffer().bytes(), spill, delivery, InstantSource.system());
    }

    /** Each stream keeps {@code streamCapacity} bytes, the log twice that. */
    JobOutput(String name, int streamCapacity, @Nullable LogSpill spill, Executor delivery, InstantSource clock) {
        this.streamCapacity = streamCapacity;
        this.clock = clock;
        this.logs = new ChunkLog(name, 2L * streamCapacity, delivery, spill, streamCapacity);
        this.stdout = logs.stream(LogEvent.Source.STDOUT);
        this.stderr = logs.stream(LogEvent.Source.STDERR);
    }

    private LogStreamView view(Stream stream) {
        return stream == Stream.STDOUT ? stdout : stderr;
    }

    private static LogEvent.Source source(Stream stream) {
        return stream == Stream.STDOUT ? LogEvent.Source.STDOUT : LogEvent.Source.STDERR;
    }

    @Override
    public void onOutput(Stream stream, byte[] data, int off, int len) {
        if (len >= SHARE_MIN) {
            logs.append(LogEvent.Data.of(source(stream), logs.writerEnd(), clock.instant(), data, off, len));
        } else {
            copy(stream, data, off, len, false);
        }
    }

    /** The bytes are handed over: a large read is one chunk shared by the log, its stream view and the subscribers. */
    @Override
    public void onOutputShared(Stream stream, byte[] data, int off, int len) {
        if (len >= SHARE_MIN) {
            blockChunks[stream.ordinal()] = null;
            logs.appendDeferred(LogEvent.Data.wrap(source(stream), logs.writerEnd(), clock.instant(), data, off, len));
        } else {
            copy(stream, data, off, len, true);
        }
    }

    /** Copies a small read into the stream's block, or a new one. I/O thread only. */
    private void copy(Stream stream, byte[] data, int off, int len, boolean deferred) {
        if (len <= 0) {
            return;
        }
        int i = stream.ordinal();
        Instant now = clock.instant();
        LogEvent.Data last = blockChunks[i];
        byte[] block = blocks[i];
        if (last != null && block != null && last.endOffset() == logs.writerEnd()
                && last.length() + len <= block.length
                && java.time.Duration.between(last.time(), now).toNanos() < MERGE_WINDOW_NANOS) {
            System.arraycopy(data, off, block, last.length(), len); // past the bytes already published
            LogEvent.Data longer = LogEvent.Data.wrap(last.source(), last.offset(), last.time(), block, 0, last.length() + len);
            blockChunks[i] = longer;
            logs.extend(longer, deferred);
            return;
        }
        // Blocks double from FIRST_BLOCK to MAX_BLOCK while small writes fill them (half or more); else start over.
        int previous = last != null && block != null && 2 * last.length() >= block.length ? block.length : FIRST_BLOCK / 2;
        int size = Math.min(streamCapacity, Math.min(MAX_BLOCK, Math.max(len, 2 * previous)));
        size = Math.max(size, len);
        byte[] fresh = new byte[size];
        System.arraycopy(data, off, fresh, 0, len);
        LogEvent.Data chunk = LogEvent.Data.wrap(source(stream), logs.writerEnd(), now, fresh, 0, len);
        blocks[i] = fresh;
        blockChunks[i] = chunk;
        logs.appendBlock(chunk, size, deferred);
    }

    @Override
    public void onFlush(Stream stream) {
        logs.flush();
    }

    @Override
    public boolean lagging(Stream stream) {
        return logs.lagging();
    }

    @Override
    public boolean full(Stream stream) {
        return view(stream).full() || logs.full();
    }

    /** Both the stream's view and the log must have room: the second is asked once the first has. */
    @Override
    public void whenRoom(Stream stream, Runnable resume) {
        view(stream).whenRoom(() -> logs.whenRoom(resume));
    }

    @Override
    public void onEnd(Stream stream) {
        logs.end(source(stream));
    }
}
