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
     * {@code data[0, len)} is handed over: the caller never reads nor writes the array again, so the handler
     * may keep it without a copy (and must not change it if it shares it). By default, {@link #onOutput}.
     */
    default void onOutputOwned(Stream stream, byte[] data, int len) {
        onOutput(stream, data, 0, len);
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
