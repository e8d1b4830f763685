package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.ExitStatus;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.Stage;
import dev.joblet.namespaces.SupervisorDiedException;
import dev.joblet.namespaces.libc.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running helper and its job. The start handshake runs on the caller's thread; afterwards every fd is
 * served by the {@link EventLoop} thread, which alone mutates the fields marked "loop". Thread-safe.
 */
public final class HelperProcess implements LaunchedProcess {
    private static final Logger log = LoggerFactory.getLogger(HelperProcess.class);
    /** The most written to stdin at once. */
    private static final int READ_CHUNK = 1 << 20;
    private static final int SIGINFO_SIZE = 128;

    private final LibC libc = Native.libc();
    private final EventLoop loop = EventLoop.shared();
    private final int helperPid;
    private final int pidfd;
    private final int jobPid;
    private final OutputHandler output;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    /** Completed when the supervisor died without reporting the job's end (see {@link #onHelperExit()}). */
    private final CompletableFuture<SupervisorDiedException> lost = new CompletableFuture<>();

    private final Object ctlLock = new Object();
    private final Object inputLock = new Object();
    /** The terminal's master side, for input (tty jobs only); -1 once closed. Guarded by inputLock. */
    private int inputFd = -1;
    /** Write end of the control pipe (the helper's lifeline); -1 once closed. Guarded by ctlLock. */
    private int ctlFd;

    // loop: fds still open, and what they have told us
    private int statusFd;
    private int outFd;
    private int errFd;
    private int stdinFd;
    private byte[] stdinData;
    private int stdinOffset;
    private final byte[] statusBuf = new byte[Protocol.MESSAGE_SIZE];
    private int statusLen;
    private @Nullable ExitStatus reported;
    /** Loop: the supervisor died without reporting the job's end. */
    private @Nullable SupervisorDiedException died;
    private int open;
    /** Loop: EOF seen on stdout, on stderr. */
    private boolean outEnded, errEnded;
    /** Loop: the pipe is suspended because the handler is {@link OutputHandler#full full} for its stream. */
    private boolean outHeld, errHeld;
    /** Loop: PID 1 was reported ended, or the supervisor is gone: the pipes are read to their end, never held. */
    private boolean draining;

    private HelperProcess(int helperPid, int pidfd, int jobPid, int ctlFd, int statusFd, int outFd, int errFd,
            int stdinFd, byte[] stdinData, OutputHandler output) {
        this.helperPid = helperPid;
        this.pidfd = pidfd;
        this.jobPid = jobPid;
        this.ctlFd = ctlFd;
        this.statusFd = statusFd;
        this.outFd = outFd;
        this.errFd = errFd;
        this.stdinFd = stdinFd;
        this.stdinData = stdinData;
        this.output = output;
        this.outReads = new PipeReads(output, OutputHandler.Stream.STDOUT, jobPid);
        this.errReads = new PipeReads(output, OutputHandler.Stream.STDERR, jobPid);
    }

    /** Spawns the helper, sends the config, and waits for exec (or the failure report). */
    public static HelperProcess start(HelperImage image, LaunchRequest request, OutputHandler output)
            throws IOException {
        byte[] config = Protocol.encode(request);
        byte @Nullable [] stdinBytes = request.stdin();
        LibC libc = Native.libc();
        int[] ctl = null, status = null, out = null, err = null, in = null, console = null;
        int devNull = -1;
        int helperPid;
        try {
            ctl = Fds.pipe();
            status = Fds.pipe();
            err = Fds.pipe();
            if (request.tty()) {
                // The job makes its terminal itself, in its own devpts, and sends us the master over the console
                // socket (the helper's fd 0, see helper.h). Its stdout and stderr are that terminal: the helper's
                // fds 1 and 2 are /dev/null, and our stderr pipe simply ends at once.
                console = Pty.consoleSocket();
                devNull = Fds.atLeast(libc.open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC, 0), 5);
                helperPid = spawn(image, new int[] {console[1], devNull, devNull, ctl[0], status[1]});
            } else {
                out = Fds.pipe();
                int stdinChild;
                if (stdinBytes != null) {
                    in = Fds.pipe();
                    stdinChild = in[0];
                } else {
                    devNull = Fds.atLeast(libc.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC, 0), 5);
                    stdinChild = devNull;
                }
                helperPid = spawn(image, new int[] {stdinChild, out[1], err[1], ctl[0], status[1]});
            }
        } catch (IOException | RuntimeException e) {
            closeAll(ctl, status, out, err, in, console);
            Fds.closeQuietly(devNull);
            throw e;
        }
        // The child's ends now belong to the helper alone.
        libc.close(ctl[0]);
        libc.close(status[1]);
        libc.close(err[1]);
        if (out != null) {
            libc.close(out[1]);
        }
        if (in != null) {
            libc.close(in[0]);
        }
        if (console != null) {
            libc.close(console[1]);
        }
        Fds.closeQuietly(devNull);
        int[] ours = {ctl[1], status[0], out == null ? -1 : out[0], err[0], in == null ? -1 : in[1],
                console == null ? -1 : console[0]};
        int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, helperPid, 0);
        if (pidfd < 0) {
            int e = Native.errno();
            closeAll(ours);
            throw new LaunchException(Stage.SPAWN, e, "pidfd_open helper " + helperPid);
        }
        return handshake(helperPid, pidfd, ours, config, request, output);
    }

    /**
     * Sends the config to a spawned helper and waits for exec (or the failure report). {@code fds} are the JVM's
     * ends: control (write), status, stdout, stderr (read), stdin (write, or -1) and, for a tty job, the console
     * socket (stdout and stdin are then -1: the terminal's master arrives on it); they and the helper belong to the
     * result, or are closed and reaped on failure.
     */
    static HelperProcess handshake(int helperPid, int pidfd, int[] fds, byte[] config, LaunchRequest request,
            OutputHandler output) throws IOException {
        LibC libc = Native.libc();
        byte @Nullable [] stdinBytes = request.stdin();
        int[] ctl = {-1, fds[0]};
        int[] status = {fds[1], -1};
        int[] out = {fds[2], -1};
        int[] err = {fds[3], -1};
        int[] in = fds[4] < 0 ? null : new int[] {-1, fds[4]};
        int console = fds.length > 5 ? fds[5] : -1;
        // From here on every failure must reap the helper and close our ends: no early exits.
        LaunchException failure = null;
        try {
            writeFully(ctl[1], config);
        } catch (LaunchException e) {
            // The helper stopped reading (e.g. it rejected the header): its report below says why. Closing
            // the control pipe makes sure it is not left waiting for the rest.
            failure = e;
            libc.close(ctl[1]);
            ctl[1] = -1;
        }
        byte[] msg = new byte[Protocol.MESSAGE_SIZE];
        int got = 0;
        try {
            got = readFully(status[0], msg);
        } catch (LaunchException e) {
            failure = failure == null ? e : failure;
        }
        int type = got == msg.length ? Protocol.u32(msg, 0) : -1;
        if (type != Protocol.MSG_STARTED) {
            Fds.closeQuietly(ctl[1]); // the lifeline: a helper that did start a job kills it now
            reap(pidfd);
            closeAll(new int[] {pidfd, status[0], out[0], err[0], in == null ? -1 : in[1], console});
            if (type == Protocol.MSG_ERROR) {
                Stage stage = Stage.of(Protocol.u32(msg, 4));
                throw new LaunchException(stage, Protocol.u32(msg, 8), subject(request, stage, Protocol.u32(msg, 12)));
            }
            if (failure != null) {
                throw failure;
            }
            throw new LaunchException(Stage.PROTOCOL, 71 /* EPROTO */,
                    "helper " + helperPid + " ended without reporting (got " + got + " bytes)");
        }
        boolean tty = request.tty();
        int terminal = -1;
        if (tty) {
            // The child sent the master before it exec'd, so it is queued by now.
            try {
                terminal = Pty.receiveMaster(console);
                out[0] = Fds.dupAtLeast(terminal, 5);
            } catch (IOException | RuntimeException e) {
                Fds.closeQuietly(ctl[1]); // the lifeline: the supervisor kills the job
                reap(pidfd);
                closeAll(new int[] {pidfd, status[0], err[0], console, terminal});
                throw new LaunchException(Stage.PROTOCOL, 71 /* EPROTO */, e.getMessage());
            } finally {
                Fds.closeQuietly(console);
            }
        }
        HelperProcess p = new HelperProcess(helperPid, pidfd, Protocol.u32(msg, 4), ctl[1], status[0], out[0], err[0],
                in == null || tty ? -1 : in[1], stdinBytes == null || tty ? new byte[0] : stdinBytes, output);
        p.inputFd = terminal;
        p.register();
        if (tty && stdinBytes != null) {
            p.writeInput(stdinBytes, 0, stdinBytes.length);
        }
        log.debug("helper {} started job pid {}", helperPid, p.jobPid);
        return p;
    }

    static int spawn(HelperImage image, int[] childFds) throws IOException {
        LibC libc = Native.libc();
        jnr.ffi.Runtime rt = Native.runtime();
        Pointer actions = Memory.allocateDirect(rt, 256);
        if (libc.posix_spawn_file_actions_init(actions) != 0) {
            throw new LaunchException(Stage.SPAWN, 12 /* ENOMEM */, "posix_spawn_file_actions_init");
        }
        try {
            for (int target = 0; target < childFds.length; target++) {
                int rc = libc.posix_spawn_file_actions_adddup2(actions, childFds[target], target);
                if (rc != 0) {
                    throw new LaunchException(Stage.SPAWN, rc, "posix_spawn_file_actions_adddup2");
                }
            }
            CStrings argv = new CStrings(List.of("joblet-helper", Protocol.ARGV_MAGIC));
            CStrings envp = new CStrings(List.of());
            IntByReference pid = new IntByReference();
            int rc = libc.posix_spawn(pid, image.path(), actions, null, argv.array, envp.array);
            java.lang.ref.Reference.reachabilityFence(argv);
            java.lang.ref.Reference.reachabilityFence(envp);
            if (rc != 0) {
                throw new LaunchException(Stage.SPAWN, rc, "posix_spawn " + image.path());
            }
            return pid.intValue();
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    /** A NULL-terminated char*[] in native memory; keep the object reachable while C uses it. */
    private static final class CStrings {
        final Pointer array;
        final List<Pointer> strings = new java.util.ArrayList<>();

        CStrings(List<String> values) {
            jnr.ffi.Runtime rt = Native.runtime();
            array = Memory.allocateDirect(rt, (values.size() + 1) * 8L, true);
            for (int i = 0; i < values.size(); i++) {
                byte[] b = values.get(i).getBytes(StandardCharsets.UTF_8);
                Pointer s = Memory.allocateDirect(rt, b.length + 1, true);
                s.put(0, b, 0, b.length);
                array.putPointer(i * 8L, s);
                strings.add(s);
            }
        }
    }

    /** What each detail of {@link Stage#TTY} names (console.c). */
    private static final String[] TTY_STEPS = {"open the job's /dev/pts/ptmx", "open the job's terminal",
        "chown the job's terminal", "send the job's terminal to the JVM", "make the terminal the controlling terminal",
        "make the terminal the job's stdio"};

    private static String subject(LaunchRequest r, Stage stage, int detail) {
        switch (stage) {
            case MOUNT:
                return detail >= 0 && detail < r.mounts().size() ? r.mounts().get(detail).describe() : "mount";
            case CGROUP_OPEN:
            case CGROUP_JOIN:
                return detail >= 0 && detail < r.cgroupProcsFiles().size()
                        ? stage.operation() + " " + r.cgroupProcsFiles().get(detail)
                        : stage.operation() + " " + r.cgroup2Dir();
            case CHDIR:
                return "chdir " + r.workdir();
            case HOSTNAME:
                return "sethostname " + r.hostname();
            case EXEC:
                return "execve " + r.argv().get(0);
            case TTY:
                return TTY_STEPS[detail >= 0 && detail < TTY_STEPS.length ? detail : 0];
            default:
                return "";
        }
    }

    static void writeFully(int fd, byte[] data) throws IOException {
        int off = 0;
        LibC libc = Native.libc();
        while (off < data.length) {
            byte[] chunk = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
            long w = libc.write(fd, chunk, chunk.length);
            if (w < 0) {
                int e = Native.errno();
                if (e == LibC.EINTR) {
                    continue;
                }
                throw new LaunchException(Stage.CONFIG, e, "write config to helper");
            }
            off += (int) w;
        }
    }

    /** Blocking read of up to b.length bytes; returns how many arrived before EOF. */
    static int readFully(int fd, byte[] b) throws IOException {
        Pointer buf = Memory.allocateDirect(Native.runtime(), b.length);
        int got = 0;
        while (got < b.length) {
            long r = Native.libc().read(fd, buf.slice(got), b.length - got);
            if (r < 0) {
                int e = Native.errno();
                if (e == LibC.EINTR) {
                    continue;
                }
                throw new LaunchException(Stage.PROTOCOL, e, "read helper status");
            }
            if (r == 0) {
                break;
            }
            got += (int) r;
        }
        buf.get(0, b, 0, got);
        return got;
    }

    static void reap(int pidfd) {
        Pointer info = Memory.allocateDirect(Native.runtime(), SIGINFO_SIZE, true);
        while (Native.libc().waitid(LibC.P_PIDFD, pidfd, info, LibC.WEXITED) < 0 && Native.errno() == LibC.EINTR) {
            // retry
        }
    }

    static void closeAll(int[]... groups) {
        for (int[] g : groups) {
            if (g != null) {
                for (int fd : g) {
                    Fds.closeQuietly(fd);
                }
            }
        }
    }

    // ---- after the handshake: the event loop owns the fds ----

    /**
     * The registrations' tokens, each taken before its fd is registered: a handler may run (and remove itself with
     * its token) before {@link EventLoop#add} returns, e.g. for a job that has already ended. Written before the
     * registration, read by the loop thread after it (the loop's map publishes them).
     */
    private final long statusToken = loop.token(), outToken = loop.token(), errToken = loop.token(),
            stdinToken = loop.token(), pidToken = loop.token();

    private void register() throws IOException {
        Fds.nonBlocking(statusFd);
        Fds.nonBlocking(outFd);
        Fds.nonBlocking(errFd);
        open = 4;
        loop.add(outFd, LibC.EPOLLIN, outToken, ev -> outFd = drain(outFd, outToken, OutputHandler.Stream.STDOUT));
        loop.add(errFd, LibC.EPOLLIN, errToken, ev -> errFd = drain(errFd, errToken, OutputHandler.Stream.STDERR));
        loop.add(statusFd, LibC.EPOLLIN, statusToken, ev -> onStatus());
        loop.add(pidfd, LibC.EPOLLIN, pidToken, ev -> onHelperExit());
        if (stdinFd >= 0) {
            Fds.nonBlocking(stdinFd);
            loop.add(stdinFd, LibC.EPOLLOUT, stdinToken, ev -> onStdinWritable());
        }
    }

    private static final class LoopBuffer {
        static final Pointer NATIVE = Memory.allocateDirect(Native.runtime(), Protocol.MESSAGE_SIZE);
    }

    /** The reads of the job's stdout and stderr pipes. Loop thread only. */
    private final PipeReads outReads, errReads;

    /**
     * How long the pipe of a fast writer whose output's consumer lags is left alone: the grown 1 MiB pipe holds
     * ~300 µs of the fastest output seen here, so the job does not wait.
     */
    public static final long PAUSE_NANOS = 100_000;

    /** How long a fast writer's output may wait in its slab before it is published, at most. */
    private static final long FLUSH_DELAY = 200_000;

    /** At most this much is read from one pipe per event, so that one fast job cannot hold up the loop. */
    private static final long BURST = 4L << 20;

    /**
     * Reads until the pipe is empty or {@link #BURST} was read (epoll reports a pipe that still holds data
     * again), then lets the handler flush; on EOF closes fd and returns -1, else returns fd. A fast writer is
     * read back to back, without going through epoll between reads: the job's next page is usually there by the
     * time a read returns. Loop thread only.
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
            exitIfOver();
            closedOne();
            return -1;
        }
    }

    /**
     * Back-pressure: leaves the pipe alone (not even its hang-up is watched) until the handler has room again.
     * The job's writes fill the pipe and then block, as when nobody reads a pipe. Loop thread only.
     */
    private void hold(int fd, long token, OutputHandler.Stream stream) {
        loop.suspend(fd, token);
        if (stream == OutputHandler.Stream.STDOUT) {
            outHeld = true;
        } else {
            errHeld = true;
        }
        log.trace("job pid {}: {} held until its reader catches up", jobPid, stream);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
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

    private void drainToEnd() {
        draining = true;
        unhold(OutputHandler.Stream.STDOUT);
        unhold(OutputHandler.Stream.STDERR);
    }

    /** Reads a held pipe again (epoll reports it if it holds data or hung up). Loop thread only. */
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

    private void onStatus() {
        if (statusFd < 0) {
            return;
        }
        byte[] one = new byte[Protocol.MESSAGE_SIZE];
        while (true) {
            long n = libc.read(statusFd, LoopBuffer.NATIVE, Protocol.MESSAGE_SIZE - statusLen);
            if (n > 0) {
                LoopBuffer.NATIVE.get(0, statusBuf, statusLen, (int) n);
                statusLen += (int) n;
                if (statusLen == Protocol.MESSAGE_SIZE) {
                    System.arraycopy(statusBuf, 0, one, 0, statusLen);
                    statusLen = 0;
                    onMessage(one);
                }
                continue;
            }
            if (n < 0 && Native.errno() == LibC.EAGAIN) {
                return;
            }
            if (n < 0 && Native.errno() == LibC.EINTR) {
                continue;
            }
            loop.remove(statusFd, statusToken);
            libc.close(statusFd);
            statusFd = -1;
            closedOne();
            return;
        }
    }

    private void onMessage(byte[] m) {
        if (Protocol.u32(m, 0) != Protocol.MSG_EXIT) {
            log.warn("unexpected helper message type {} for job pid {}", Protocol.u32(m, 0), jobPid);
            return;
        }
        int code = Protocol.u32(m, 4);
        int value = Protocol.u32(m, 8);
        if (code == Protocol.CLD_EXITED) {
            reported = ExitStatus.exited(value);
        } else if (code == Protocol.CLD_KILLED || code == Protocol.CLD_DUMPED) {
            reported = new ExitStatus(true, value, code == Protocol.CLD_DUMPED);
        }
        // PID 1 is gone and the rest of the job with it: what is left in the pipes (at most their size) is read
        // now, whoever lags, so that the job's end never waits for a reader.
        drainToEnd();
        exitIfOver();
    }

    /**
     * Completes {@link #exit} once PID 1's status is reported (so every process of the job is gone) and its output
     * has ended, without waiting for the supervisor's own exit ({@link #released} waits for that).
     */
    private void exitIfOver() {
        ExitStatus status = reported;
        if (status != null && outEnded && errEnded && !exit.isDone()) {
            closeInputs(); // the job is gone: nothing may be written to its terminal or stdin any more
            exit.complete(status);
        }
    }

    private void onHelperExit() {
        Pointer info = Memory.allocateDirect(Native.runtime(), SIGINFO_SIZE, true);
        if (libc.waitid(LibC.P_PIDFD, pidfd, info, LibC.WEXITED | LibC.WNOHANG) < 0 && Native.errno() == LibC.EINTR) {
            return;
        }
        if (info.getInt(16) == 0) {
            return; // not exited yet (spurious wakeup)
        }
        // Whatever the supervisor wrote before it exited is in the status pipe: read it before judging.
        onStatus();
        if (reported == null) {
            int code = info.getInt(8); // si_code: CLD_EXITED, CLD_KILLED or CLD_DUMPED
            died = new SupervisorDiedException(helperPid, jobPid, code != Protocol.CLD_EXITED, info.getInt(24));
            log.warn("job pid {}: {}", jobPid, died.getMessage());
            lost.complete(died);
        }
        loop.remove(pidfd, pidToken);
        libc.close(pidfd);
        drainToEnd();
        closedOne();
    }

    private void onStdinWritable() {
        while (stdinFd >= 0 && stdinOffset < stdinData.length) {
            int len = Math.min(READ_CHUNK, stdinData.length - stdinOffset);
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

    /** Loop thread only. */
    private void closeStdin() {
        if (stdinFd >= 0) {
            loop.remove(stdinFd, stdinToken);
            libc.close(stdinFd);
            stdinFd = -1;
            stdinData = new byte[0];
        }
    }

    /** The job's stdin and its terminal's input side. Loop thread only. */
    private void closeInputs() {
        closeStdin();
        synchronized (inputLock) {
            Fds.closeQuietly(inputFd);
            inputFd = -1;
        }
    }

    private void closedOne() {
        if (--open > 0) {
            return;
        }
        closeInputs();
        synchronized (ctlLock) {
            libc.close(ctlFd);
            ctlFd = -1;
        }
        ExitStatus status = reported;
        if (status != null) {
            exit.complete(status);
        } else if (died != null) {
            exit.completeExceptionally(died);
        } else {
            exit.completeExceptionally(new IOException(
                    "the supervisor (pid " + helperPid + ") of job pid " + jobPid + " ended without reporting an exit status"));
        }
        released.complete(null);
    }

    @Override
    public int pid() {
        return jobPid;
    }

    @Override
    public void writeInput(byte[] data, int off, int len) throws IOException {
        synchronized (inputLock) {
            if (inputFd < 0) {
                throw new IOException("job pid " + jobPid + " has no terminal input (not a tty job, or it ended)");
            }
            int done = 0;
            while (done < len) {
                byte[] chunk = java.util.Arrays.copyOfRange(data, off + done, off + len);
                long w = libc.write(inputFd, chunk, chunk.length);
                if (w < 0) {
                    int e = Native.errno();
                    if (e == LibC.EAGAIN) { // the terminal's input queue is full: the job is not reading
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                        continue;
                    }
                    if (e == LibC.EINTR) {
                        continue;
                    }
                    throw new IOException("write to the terminal of job pid " + jobPid + ": " + Native.describe(e));
                }
                done += (int) w;
            }
        }
    }

    @Override
    public void resizeTerminal(int rows, int columns) throws IOException {
        synchronized (inputLock) {
            if (inputFd < 0) {
                throw new IOException("job pid " + jobPid + " has no terminal (not a tty job, or it ended)");
            }
            Pty.resize(inputFd, rows, columns);
        }
    }

    @Override
    public void signal(int signal) throws IOException {
        byte[] cmd = Protocol.signalCommand(signal);
        synchronized (ctlLock) {
            if (ctlFd < 0) {
                return;
            }
            long w = libc.write(ctlFd, cmd, cmd.length);
            if (w != cmd.length) {
                int e = Native.errno();
                if (e != 32 /* EPIPE: the helper is already gone */) {
                    throw new IOException("signal job pid " + jobPid + ": " + Native.describe(e));
                }
            }
        }
    }

    @Override
    public boolean deliverable(int signal) {
        if (exit.isDone()) {
            return false;
        }
        if (signal == 9 || signal == 19) { // SIGKILL, SIGSTOP
            return true;
        }
        return SignalDispositions.deliverableToInit(jobPid, signal);
    }

    @Override
    public boolean catches(int signal) {
        try {
            return !exit.isDone() && SignalDispositions.caughtBy(jobPid, signal);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    @Override
    public CompletableFuture<SupervisorDiedException> onSupervisorLost() {
        return lost;
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit;
    }

    @Override
    public CompletableFuture<Void> onReleased() {
        return released;
    }
}
