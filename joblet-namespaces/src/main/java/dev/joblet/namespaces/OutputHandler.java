package dev.joblet.namespaces;

/**
 * Receives a launched job's output. Called on the launcher's single I/O thread: implementations must be
 * quick and must never block (copy the bytes and return).
 */
public interface OutputHandler {
    /** Which of the job's output streams. */
    enum Stream {
        STDOUT,
        STDERR
    }

    /** {@code data[off, off+len)} is valid only during the call. */
    void onOutput(Stream stream, byte[] data, int off, int len);

    /**
     * {@code data[off, off+len)} is handed over: the caller never writes those bytes again (it may write other
     * parts of the array), so the handler may keep them without a copy, and must not change them. By default,
     * {@link #onOutput}.
     */
    default void onOutputShared(Stream stream, byte[] data, int off, int len) {
        onOutput(stream, data, off, len);
    }

    /**
     * The I/O thread read all that {@code stream}'s pipe held for now (or as much as it reads at a time): a
     * handler that lets its consumers wait while a burst of output comes in wakes them here. By default nothing.
     */
    default void onFlush(Stream stream) {}

    /**
     * Asked by the I/O thread after a read from a fast writer: true if a consumer lags (one that keeps up but
     * waits for a CPU), so that the reader leaves the pipe alone for about 100 µs: the grown pipe's room lets
     * the job go on meanwhile. Must be quick. By default false.
     */
    default boolean lagging(Stream stream) {
        return false;
    }

    /**
     * Asked by the I/O thread before it reads {@code stream}'s pipe: true if what it reads now would have to be
     * kept beyond the handler's retention because a consumer that must not lose output (a lossless reader) has
     * not taken it yet. The I/O thread then stops reading that pipe (the job blocks in write(), as with a pipe
     * nobody reads) and calls {@link #whenRoom}. Must be quick; by default false (nothing ever waits).
     */
    default boolean full(Stream stream) {
        return false;
    }

    /**
     * The I/O thread stopped reading {@code stream}'s pipe after {@link #full}: the handler calls {@code resume}
     * once, from any thread, as soon as there is room again (at once if there is already), for example when the
     * lossless reader that was behind reads on or goes away. After the job's PID 1 has ended the I/O thread reads
     * what remains in the pipe without asking (at most the pipe's size). By default, at once.
     */
    default void whenRoom(Stream stream, Runnable resume) {
        resume.run();
    }

    /** The stream reached EOF: every process of the job closed it. */
    void onEnd(Stream stream);

    /** An OutputHandler that drops everything. */
    OutputHandler DISCARD = new OutputHandler() {
        @Override
        public void onOutput(Stream stream, byte[] data, int off, int len) {}

        @Override
        public void onEnd(Stream stream) {}
    };
}
