package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.OutputHandler;
import java.util.Arrays;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The event loop's reads of jobs' output pipes. Loop thread only; not thread-safe.
 */
final class PipeReads {
    static final long FIONREAD = 0x541B;
    /** At most this much per read: one grown pipe's worth. */
    static final int MAX_READ = 1 << 20;
    static final boolean FION = Boolean.getBoolean("joblet.exp.fionread");

    private final LibC libc = Native.libc();
    private final Pointer available = Memory.allocateDirect(Native.runtime(), 4, true);
    private final byte[] scratch = new byte[MAX_READ];

    private byte[] data = scratch;
    private boolean owned;
    private boolean emptied;

    long read(int fd) {
        if (FION) {
            int n = libc.ioctl(fd, FIONREAD, available) < 0 ? 0 : available.getInt(0);
            if (n <= 0) {
                data = scratch;
                owned = false;
                emptied = false;
                return libc.read(fd, scratch, 4096);
            }
            byte[] a = new byte[Math.min(n, MAX_READ)];
            long got = libc.read(fd, a, a.length);
            data = a;
            owned = true;
            emptied = true;
            return got;
        }
        long got = libc.read(fd, scratch, MAX_READ);
        emptied = got > 0 && got < MAX_READ;
        if (got > 0) {
            data = Arrays.copyOf(scratch, (int) got);
            owned = true;
        }
        return got;
    }

    boolean emptied() {
        return emptied;
    }

    void deliver(OutputHandler output, OutputHandler.Stream stream, int n) {
        if (owned) {
            owned = false;
            output.onOutputOwned(stream, data, n);
        } else {
            output.onOutput(stream, data, 0, n);
        }
        data = scratch;
    }
}
