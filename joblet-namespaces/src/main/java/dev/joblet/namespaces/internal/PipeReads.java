package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.OutputHandler;
import java.nio.ByteBuffer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

/**
 * The event loop's reads of one job output pipe, handed to the {@link OutputHandler} without a copy of ours:
 * the kernel copies the bytes once, into arrays that become the immutable chunks the job's log, its stream
 * buffer and every subscriber share.
 *
 * <p>A pipe written now and then is read into a new array of the size it holds (FIONREAD), one chunk per read,
 * so an idle job's chunks hold no spare bytes. Once the writer is fast (a read of a page or more soon after
 * the previous one, or a read that found the pipe full) the pipe is grown to 1 MiB and read into the free tail
 * of a 256 KiB slab, with no FIONREAD: the reads of one burst that follow each other in the slab become one
 * chunk of up to {@link #CHUNK} bytes, published when it is that large, when the slab is full, and when the
 * pipe is empty ({@link #publish}). A slab is never written where a chunk was published; a chunk keeps its
 * slab alive, so what the log retains can exceed its count by less than a slab per stream. When FIONREAD
 * finds the pipe empty (EOF, or a race) the read goes to a small scratch array, whose bytes the handler
 * copies. Loop thread only; not thread-safe.
 */
final class PipeReads {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PipeReads.class);
    static final long FIONREAD = 0x541B;
    /** At most this much per read: one grown pipe's worth. */
    static final int MAX_READ = 1 << 20;
    /** A fast writer's pipe is grown to this. */
    static final int BIG_PIPE = 1 << 20;
    /** A read of this much fills a pipe that was never grown: the writer is fast. */
    static final int SMALL_PIPE = 64 * 1024;
    /** A read of a page or more within this long of the previous one marks a fast writer. */
    static final long FAST_NANOS = 400_000;
    /** A fast writer's reads go into slabs of this size (below G1's smallest humongous size, 512 KiB). */
    static final int SLAB = 256 * 1024;
    /** Reads that follow each other in a slab make one chunk of at most this many bytes. */
    static final int CHUNK = 64 * 1024;
    private static final int SCRATCH = 4096;

    /** Shared by every pipe's reads: only the loop thread reads, one pipe at a time. */
    private static final class Shared {
        static final Pointer AVAILABLE = Memory.allocateDirect(Native.runtime(), 4, true);
        static final byte[] SCRATCH_BYTES = new byte[SCRATCH];
    }

    private final LibC libc = Native.libc();
    private final OutputHandler output;
    private final OutputHandler.Stream stream;
    private final int jobPid;
    private long last = System.nanoTime() - (1L << 40);
    private boolean grown;
    /** Set while a delayed publish and flush of this pipe is scheduled (by {@link JobPipes}). */
    boolean flushDue;
    /** Null until the writer turned out fast; then the slab that {@code [from, pos)} (not yet published) is in. */
    private byte @Nullable [] slab;
    private int from;
    private int pos;

    PipeReads(OutputHandler output, OutputHandler.Stream stream, int jobPid) {
        this.output = output;
        this.stream = stream;
        this.jobPid = jobPid;
    }

    /**
     * Reads from the non-blocking pipe fd and hands what it read to the handler, or keeps it for the next
     * {@link #publish}: the number of bytes read, 0 at EOF, or -1 with errno set. Call {@link #publish} before
     * returning to the loop, whatever this returned. A handler that throws is logged, and misses those bytes.
     */
    long read(int fd) {
        byte[] s = slab;
        return s != null ? readSlab(fd, s) : readExact(fd);
    }

    private long readExact(int fd) {
        int n = libc.ioctl(fd, FIONREAD, Shared.AVAILABLE) < 0 ? 0 : Shared.AVAILABLE.getInt(0);
        if (n <= 0) {
            long got = libc.read(fd, Shared.SCRATCH_BYTES, SCRATCH);
            if (got > 0) {
                try {
                    output.onOutput(stream, Shared.SCRATCH_BYTES, 0, (int) got);
                } catch (RuntimeException e) {
                    failed(e);
                }
            }
            return got;
        }
        byte[] a = new byte[Math.min(n, MAX_READ)];
        long got = libc.read(fd, a, a.length);
        if (got > 0) {
            long now = System.nanoTime();
            if (got >= SMALL_PIPE || (got >= 4096 && now - last < FAST_NANOS)) {
                fast(fd);
            }
            last = now;
            share(a, 0, (int) got); // handed over: never touched again here
        }
        return got;
    }

    /** The writer is fast: grow its pipe (once), read into slabs from now on. */
    private void fast(int fd) {
        if (!grown) {
            grown = true;
            if (libc.fcntl(fd, LibC.F_SETPIPE_SZ, BIG_PIPE) < 0) {
                log.debug("cannot grow a job's {} pipe: {}", stream, Native.describe(Native.errno()));
            }
        }
        slab = new byte[SLAB];
        from = pos = 0;
    }

    private long readSlab(int fd, byte[] s) {
        if (pos == s.length) {
            publish();
            s = new byte[SLAB];
            slab = s;
            from = pos = 0;
        }
        int room = s.length - pos;
        long got = libc.read(fd, ByteBuffer.wrap(s, pos, room), room);
        if (got > 0) {
            pos += (int) got;
            long now = System.nanoTime();
            if (got < 4096 && now - last >= FAST_NANOS) { // slow again: a chunk per read, of its own size
                publish();
                slab = null;
            } else if (pos - from >= CHUNK) {
                publish();
            }
            last = now;
        }
        return got;
    }

    /** True while the writer is fast: what was read is published by size or by {@link #publish}, not per read. */
    boolean isFast() {
        return slab != null;
    }

    /** Hands what the slab holds unpublished to the handler. */
    void publish() {
        byte[] s = slab;
        if (s != null && pos > from) { // with no slab, nothing is kept: from == pos
            int off = from;
            from = pos; // never written again
            share(s, off, pos - off);
        }
    }

    private void share(byte[] a, int off, int len) {
        try {
            output.onOutputShared(stream, a, off, len);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        log.warn("output handler failed for job pid {}", jobPid, e);
    }
}
