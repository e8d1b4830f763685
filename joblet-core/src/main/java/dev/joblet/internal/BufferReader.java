package dev.joblet.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream of an {@link OutputBuffer}: a lossless reader from its offset on, until it is closed or reaches the
 * end. Its position is guarded by the buffer. Not thread-safe (as any InputStream).
 */
final class BufferReader extends InputStream {
    private final OutputBuffer buffer;
    /** The next offset to read. Guarded by the buffer. */
    long position;

    BufferReader(OutputBuffer buffer, long position) {
        this.buffer = buffer;
        this.position = position;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        return buffer.read(this, b, off, len);
    }

    @Override
    public int available() {
        return buffer.available(position);
    }

    /** Stops holding the job back: the job never waits for a closed reader. */
    @Override
    public void close() {
        buffer.close(this);
    }
}
