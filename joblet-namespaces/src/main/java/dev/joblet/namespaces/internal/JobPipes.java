package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.OutputHandler;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running job's stdout, stderr and stdin pipes on the {@link EventLoop}, and their pacing: a fast writer is read
 * back to back, paused while its consumer lags, and held (back-pressure) while the handler is full; output is
 * published per burst or per delay. Once PID 1 has ended ({@link #drainToEnd()}) the pipes are read to their end
 * whoever lags. Loop thread only, but for the constructor and {@link #register()}.
 */
final class JobPipes {
    private static final Logger log = LoggerFactory.getLogger(JobPipes.class);
    /** The most written to stdin at once. */
    private static final int WRITE_CHUNK = 1 << 20;

    /**
     * How long the pipe of a fast writer whose output's consumer lags is left alone: the grown 1 MiB pipe holds
     * ~300 µs of the fastest output seen here, so the job does not wait.
     */
    static final long PAUSE_NANOS = 100_000;

    /** How long a fast writer's output may wait in its slab before it is published, at most. */
    private static final long FLUSH_DELAY = 200_000;

    /** At most this much is read from one pipe per event, so that one fast job cannot hold up the loop. */
    private static final long BURST = 4L << 20;

    private final LibC libc = Native.libc();
    private final EventLoop loop;
    private final OutputHandler output;
    private final int jobPid;
    /** Called on the loop thread each time stdout or stderr has ended and been closed. */
    private final Runnable onStreamEnded;
    /** The reads of the job's stdout and stderr pipes. */
    private final PipeReads outReads, errReads;
    /**
     * The registrations' tokens, each taken before its fd is registered: a handler may run (and remove itself with
     * its token) before {@link EventLoop#add} returns, e.g. for a job that has already ended.
     */
    private final long outToken, errToken, stdinToken;

    /** Fds still open (-1 once closed). */
    private int outFd, errFd, stdinFd;
    private byte[] stdinData;
    private int stdinOffset;
    /** EOF seen on stdout, on stderr. */
    private boolean outEnded, errEnded;
    /** The pipe is suspended because the handler is {@link OutputHandler#full full} for its stream. */
    private boolean outHeld, errHeld;
    /** PID 1 was reported ended, or the supervisor is gone: the pipes are read to their end, never held. */
    private boolean draining;

    JobPipes(EventLoop loop, OutputHandler output, int jobPid, int outFd, int errFd, int stdinFd, byte[] stdinData,
            Runnable onStreamEnded) {
        this.loop = loop;
        this.output = output;
        this.jobPid = jobPid;
        this.outFd = outFd;
        this.errFd = errFd;
        this.stdinFd = stdinFd;
        this.stdinData = stdinData;
        this.onStreamEnded = onStreamEnded;
        this.outReads = new PipeReads(output, OutputHandler.Stream.STDOUT, jobPid);
        this.errReads = new PipeReads(output, OutputHandler.Stream.STDERR, jobPid);
        this.outToken = loop.token();
        this.errToken = loop.token();
        this.stdinToken = loop.token();
    }

    /** Registers the pipes (from the launching thread; the loop's map publishes the fields to its thread). */
    void register() throws IOException {
        Fds.nonBlocking(outFd);
        Fds.nonBlocking(errFd);
        loop.add(outFd, LibC.EPOLLIN, outToken, ev -> outFd = drain(outFd, outToken, OutputHandler.Stream.STDOUT));
        loop.add(errFd, LibC.EPOLLIN, errToken, ev -> errFd = drain(errFd, errToken, OutputHandler.Stream.STDERR));
        if (stdinFd >= 0) {
            Fds.nonBlocking(stdinFd);
            loop.add(stdinFd, LibC.EPOLLOUT, stdinToken, ev -> onStdinWritable());
        }
    }

    /** Whether stdout and stderr have both ended. */
    boolean ended() {
        return outEnded && errEnded;
    }

    /**
     * Reads until the pipe is empty or {@link #BURST} was read (epoll reports a pipe that still holds data
     * again), then lets the handler flush; on EOF closes fd and returns -1, else returns fd. A fast writer is
     * read back to back, without going through epoll between reads: the job's next page is usually there by the
     * time a read returns.
     */
    private int drain(int fd, long token, OutputHandler.Stream stream) {
        if (fd < 0) {
            return fd;
        }
        long budget = BURST;
        PipeReads reads = stream == OutputHandler.Stream.STDOUT ? outReads : errReads;
        while (true) {
            if (!draining && output.full(stream)) {
                flushNow(reads, stream);
                hold(fd, token, stream);
                return fd;
            }
            long n = reads.read(fd);
            if (n > 0) {
                if (reads.isFast() && output.lagging(stream)) {
                    flushNow(reads, stream);
                    loop.pause(fd, token, LibC.EPOLLIN, PAUSE_NANOS);
                    return fd;
                }
                if ((budget -= n) > 0) {
                    continue;
                }
                flush(reads, stream);
                return fd;
            }
            if (n < 0) {
                int e = Native.errno();
                if (e == LibC.EAGAIN) {
                    flush(reads, stream);
                    return fd;
                }
                if (e == LibC.EINTR) {
                    continue;
                }
            }
            flushNow(reads, stream);
            loop.remove(fd, token);
            libc.close(fd);
            try {
                output.onEnd(stream);
            } catch (RuntimeException e) {
                log.warn("output handler failed for job pid {}", jobPid, e);
            }
            if (stream == OutputHandler.Stream.STDOUT) {
                outEnded = true;
            } else {
                errEnded = true;
            }
            onStreamEnded.run();
            return -1;
        }
    }

    /**
     * Back-pressure: leaves the pipe alone (not even its hang-up is watched) until the handler has room again.
     * The job's writes fill the pipe and then block, as when nobody reads a pipe.
     */
    private void hold(int fd, long token, OutputHandler.Stream stream) {
        loop.suspend(fd, token);
        if (stream == OutputHandler.Stream.STDOUT) {
            outHeld = true;
        } else {
            errHeld = true;
        }
        log.trace("job pid {}: {} held until its reader catches up", jobPid, stream);
        AtomicBoolean once = new AtomicBoolean();
        try {
            output.whenRoom(stream, () -> {
                if (!once.getAndSet(true)) {
                    loop.execute(() -> unhold(stream));
                }
            });
        } catch (RuntimeException e) {
            log.warn("output handler failed for job pid {}", jobPid, e);
            loop.execute(() -> unhold(stream));
        }
    }

    /** PID 1 is gone, or its supervisor: what is left in the pipes is read now, whoever lags. */
    void drainToEnd() {
        draining = true;
        unhold(OutputHandler.Stream.STDOUT);
        unhold(OutputHandler.Stream.STDERR);
    }

    /** Reads a held pipe again (epoll reports it if it holds data or hung up). */
    private void unhold(OutputHandler.Stream stream) {
        if (stream == OutputHandler.Stream.STDOUT) {
            if (outHeld && outFd >= 0) {
                outHeld = false;
                loop.resume(outFd, outToken, LibC.EPOLLIN);
            }
        } else if (errHeld && errFd >= 0) {
            errHeld = false;
            loop.resume(errFd, errToken, LibC.EPOLLIN);
        }
    }

    /**
     * The pipe is empty (or its burst's budget used): publishes what was read and lets the handler wake its
     * consumers, at once for a writer that writes now and then; for a fast one, {@link #FLUSH_DELAY} later, once,
     * so that its consumers are woken per {@code ChunkLog.WAKE_BYTES} or per delay, not at every pause.
     */
    private void flush(PipeReads reads, OutputHandler.Stream stream) {
        if (!reads.isFast()) {
            flushNow(reads, stream);
        } else if (!reads.flushDue) {
            reads.flushDue = true;
            loop.after(FLUSH_DELAY, () -> {
                reads.flushDue = false;
                flushNow(reads, stream);
            });
        }
    }

    private void flushNow(PipeReads reads, OutputHandler.Stream stream) {
        reads.publish();
        try {
            output.onFlush(stream);
        } catch (RuntimeException e) {
            log.warn("output handler failed for job pid {}", jobPid, e);
        }
    }

    private void onStdinWritable() {
        while (stdinFd >= 0 && stdinOffset < stdinData.length) {
            int len = Math.min(WRITE_CHUNK, stdinData.length - stdinOffset);
            byte[] chunk = java.util.Arrays.copyOfRange(stdinData, stdinOffset, stdinOffset + len);
            long w = libc.write(stdinFd, chunk, len);
            if (w < 0) {
                int e = Native.errno();
                if (e == LibC.EAGAIN) {
                    return;
                }
                if (e == LibC.EINTR) {
                    continue;
                }
                break; // EPIPE: the job closed its stdin
            }
            stdinOffset += (int) w;
        }
        closeStdin();
    }

    /** Closes the job's stdin pipe (all written, the job closed it, or the job is gone). */
    void closeStdin() {
        if (stdinFd >= 0) {
            loop.remove(stdinFd, stdinToken);
            libc.close(stdinFd);
            stdinFd = -1;
            stdinData = new byte[0];
        }
    }
}
