package dev.joblet;

import dev.joblet.internal.ChunkLog;
import dev.joblet.internal.LogSpill;
import dev.joblet.internal.OutputBuffer;
import dev.joblet.namespaces.OutputHandler;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A job's output as it arrives: its stdout and stderr buffers and its log, made before the launch (the launch
 * delivers into them) and owned by the {@link Job} after. Delivers on the I/O thread and never blocks. A stream's
 * pipe is held ({@link #full}) while a lossless reader of that stream's buffer, or a lossless subscriber of the log,
 * is a whole retention behind. Thread-safe.
 */
final class JobOutput implements OutputHandler {
    final OutputBuffer stdout;
    final OutputBuffer stderr;
    final ChunkLog logs;

    /** {@code spill}: where the log spills to disk, owned by the log from here on; {@code delivery}: the owner's log threads. */
    JobOutput(JobId id, JobSpec spec, @Nullable LogSpill spill, java.util.concurrent.Executor delivery) {
        int cap = (int) spec.outputBuffer().bytes();
        this.stdout = new OutputBuffer(cap);
        this.stderr = new OutputBuffer(cap);
        this.logs = new ChunkLog(id.shortForm(), 2L * cap, delivery, spill);
    }

    private OutputBuffer buffer(Stream stream) {
        return stream == Stream.STDOUT ? stdout : stderr;
    }

    private static LogEvent.Source source(Stream stream) {
        return stream == Stream.STDOUT ? LogEvent.Source.STDOUT : LogEvent.Source.STDERR;
    }

    @Override
    public void onOutput(Stream stream, byte[] data, int off, int len) {
        buffer(stream).append(data, off, len);
        logs.append(source(stream), data, off, len);
    }

    /** The bytes are handed over: one chunk shared by the log, the stream's buffer and the subscribers. */
    @Override
    public void onOutputShared(Stream stream, byte[] data, int off, int len) {
        buffer(stream).appendDeferred(data, off, len);
        logs.appendDeferred(LogEvent.Data.wrap(source(stream), logs.size(), Instant.now(), data, off, len));
    }

    @Override
    public void onFlush(Stream stream) {
        buffer(stream).flush();
        logs.flush();
    }

    @Override
    public boolean lagging(Stream stream) {
        return logs.lagging();
    }

    @Override
    public boolean full(Stream stream) {
        return buffer(stream).full() || logs.full();
    }

    /** Both the stream's buffer and the log must have room: the second is asked once the first has. */
    @Override
    public void whenRoom(Stream stream, Runnable resume) {
        buffer(stream).whenRoom(() -> logs.whenRoom(resume));
    }

    @Override
    public void onEnd(Stream stream) {
        buffer(stream).end();
        logs.end(source(stream));
    }
}
