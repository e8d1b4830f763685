package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.OutputHandler;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The event loop's reads of jobs' output pipes. A read goes straight into a new array of the size the pipe
 * holds (FIONREAD), which is handed over to the {@link OutputHandler}: the bytes are copied once, by the
 * kernel, and the array becomes the immutable chunk that the job's log, its stream buffer and every subscriber
 * share. Only when FIONREAD finds the pipe empty (EOF, or a race) does a read go to a small scratch array,
 * whose bytes the handler copies. Loop thread only; not thread-safe.
 */
final class PipeReads {
    static final long FIONREAD = 0x541B;
    /** At most this much per read: one grown pipe's worth. */
    static final int MAX_READ = 1 << 20;
    /**
     * How long a fast writer's pipe is left alone after it was emptied, so that the next read takes more: at
     * the fastest pipe rates seen here (~4 GB/s) a grown 1 MiB pipe is a fifth full then, so the job never waits.
     */
    static final long SNOOZE_NANOS = 50_000;
    private static final int SCRATCH = 4096;

    private final LibC libc = Native.libc();
    private final Pointer available = Memory.allocateDirect(Native.runtime(), 4, true);
    private final byte[] scratch = new byte[SCRATCH];

    /** What the last {@link #read} returned bytes into, and whether it emptied the pipe. */
    private byte[] data = scratch;
    private boolean owned;
    private boolean emptied;

    /**
     * Reads from the non-blocking pipe fd: the number of bytes read (see {@link #deliver}), 0 at EOF, or -1
     * with errno set.
     */
    long read(int fd) {
        int n = libc.ioctl(fd, FIONREAD, available) < 0 ? 0 : available.getInt(0);
        if (n <= 0) {
            data = scratch;
            owned = false;
            long got = libc.read(fd, scratch, SCRATCH);
            emptied = got > 0 && got < SCRATCH;
            return got;
        }
        byte[] a = new byte[Math.min(n, MAX_READ)];
        long got = libc.read(fd, a, a.length);
        data = a;
        owned = true;
        emptied = n <= MAX_READ; // all there was: epoll tells when there is more
        return got;
    }

    /** True if the last read took all the pipe held. */
    boolean emptied() {
        return emptied;
    }

    /** Hands the {@code n} bytes of the last read to {@code output}. */
    void deliver(OutputHandler output, OutputHandler.Stream stream, int n) {
        if (owned) {
            owned = false; // handed over: never touched again here
            output.onOutputOwned(stream, data, n);
        } else {
            output.onOutput(stream, data, 0, n);
        }
        data = scratch;
    }

    /** Tells a fast writer from one that writes now and then, for one pipe. Loop thread only. */
    static final class Pace {
        private long last = System.nanoTime() - (1L << 40);

        /** After a read of n bytes: true if this read of a page or more follows the previous read closely. */
        boolean fast(long n) {
            long now = System.nanoTime();
            boolean fast = n >= 4096 && now - last < 8 * SNOOZE_NANOS;
            last = now;
            return fast;
        }
    }
}
