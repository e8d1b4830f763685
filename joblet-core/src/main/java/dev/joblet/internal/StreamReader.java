package dev.joblet.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream of a {@link LogStreamView}: a lossless reader of one of a job's streams from its offset on, until it is
 * closed or reaches the end. Its position is guarded by the log's lock. Not thread-safe (as any InputStream).
 */
final class StreamReader extends InputStream {
    private final LogStreamView view;
    /** The next stream offset to read. Guarded by the log. */
    long position;
    /** Counted by the view: the bytes it has not read are kept (or it holds the job back). Guarded by the log. */
    boolean holding;

    StreamReader(LogStreamView view, long position) {
        this.view = view;
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
        return view.read(this, b, off, len);
    }

    @Override
    public int available() {
        return view.available(this);
    }

    /** Stops holding the job back: the job never waits for a closed reader. */
    @Override
    public void close() {
        view.close(this);
    }
}
