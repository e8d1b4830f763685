package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.ExitStatus;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.SupervisorDiedException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running helper and its job, after the {@link Handshake}: the control side (signals, terminal input and size,
 * through the supervisor) and the job's fate (the status pipe and the supervisor's pidfd). Its pipes are
 * {@link JobPipes}. Every fd is served by its launcher's {@link EventLoop} thread, which alone mutates the fields
 * marked "loop". Thread-safe.
 */
public final class HelperProcess implements LaunchedProcess {
    private static final Logger log = LoggerFactory.getLogger(HelperProcess.class);
    private static final int SIGINFO_SIZE = 128;
    private static final int EPIPE = 32;

    private final LibC libc = Native.libc();
    private final EventLoop loop;
    private final int helperPid;
    private final int pidfd;
    private final int jobPid;
    private final JobPipes pipes;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    /** Completed when the supervisor died without reporting the job's end (see {@link #onHelperExit()}). */
    private final CompletableFuture<SupervisorDiedException> lost = new CompletableFuture<>();
    /** Tokens of the status pipe and the pidfd, taken before registration (see {@link EventLoop#token()}). */
    private final long statusToken, pidToken;

    private final Object ctlLock = new Object();
    private final Object inputLock = new Object();
    /** The terminal's master side, for input (tty jobs only); -1 once closed. Guarded by inputLock. */
    private int inputFd;
    /** Write end of the control pipe (the helper's lifeline); -1 once closed. Guarded by ctlLock. */
    private int ctlFd;

    // loop: fds still open, and what they have told us
    private int statusFd;
    private final byte[] statusBuf = new byte[Protocol.MESSAGE_SIZE];
    private int statusLen;
    private @Nullable ExitStatus reported;
    /** Loop: the supervisor died without reporting the job's end. */
    private @Nullable SupervisorDiedException died;
    /** Loop: of stdout, stderr, the status pipe and the pidfd, how many are still open. */
    private int open = 4;

    /**
     * Takes over the helper {@code s} that reported MSG_STARTED for job {@code jobPid}; {@link #register()} hands
     * its fds to {@code loop}. Its stdout is {@code outFd} (for a tty job, a duplicate of the terminal's master
     * {@code terminal}, else s.out), its stdin gets {@code stdinData}.
     */
    HelperProcess(EventLoop loop, HelperSpawn.Spawned s, int jobPid, int outFd, int terminal, byte[] stdinData,
            OutputHandler output) throws IOException {
        this.loop = loop;
        this.helperPid = s.pid;
        this.pidfd = s.pidfd;
        this.jobPid = jobPid;
        this.ctlFd = s.ctl;
        this.statusFd = s.status;
        this.inputFd = terminal;
        this.statusToken = loop.token();
        this.pidToken = loop.token();
        this.pipes = new JobPipes(loop, output, jobPid, outFd, s.err, terminal >= 0 ? -1 : s.stdin,
                terminal >= 0 ? new byte[0] : stdinData, this::streamEnded);
    }

    /** Registers every fd with the loop; from here on the loop thread serves them (the loop's map publishes us). */
    void register() throws IOException {
        Fds.nonBlocking(statusFd);
        pipes.register();
        loop.add(statusFd, LibC.EPOLLIN, statusToken, ev -> onStatus());
        loop.add(pidfd, LibC.EPOLLIN, pidToken, ev -> onHelperExit());
    }

    private static final class LoopBuffer {
        static final Pointer NATIVE = Memory.allocateDirect(Native.runtime(), Protocol.MESSAGE_SIZE);
    }

    /** Loop thread only. */
    private void streamEnded() {
        exitIfOver();
        closedOne();
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
        if (!Protocol.is(m, Protocol.MSG_EXIT)) {
            log.warn("unexpected helper message kind 0x{} version {} for job pid {}",
                    Integer.toHexString(Protocol.u32(m, 0)), Protocol.u32(m, 4), jobPid);
            return;
        }
        int code = Protocol.arg(m, 0);
        int value = Protocol.arg(m, 1);
        if (code == Protocol.CLD_EXITED) {
            reported = ExitStatus.exited(value);
        } else if (code == Protocol.CLD_KILLED || code == Protocol.CLD_DUMPED) {
            reported = new ExitStatus(true, value, code == Protocol.CLD_DUMPED);
        }
        // PID 1 is gone and the rest of the job with it: what is left in the pipes (at most their size) is read
        // now, whoever lags, so that the job's end never waits for a reader.
        pipes.drainToEnd();
        exitIfOver();
    }

    /**
     * Completes {@link #exit} once PID 1's status is reported (so every process of the job is gone) and its output
     * has ended, without waiting for the supervisor's own exit ({@link #released} waits for that).
     */
    private void exitIfOver() {
        ExitStatus status = reported;
        if (status != null && pipes.ended() && !exit.isDone()) {
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
        pipes.drainToEnd();
        closedOne();
    }

    /** The job's stdin and its terminal's input side. Loop thread only. */
    private void closeInputs() {
        pipes.closeStdin();
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
                if (e != EPIPE) { // EPIPE: the helper is already gone
                    throw new IOException("signal job pid " + jobPid + ": " + Native.describe(e));
                }
            }
        }
    }

    /** SIGKILL to the job through its supervisor (by pidfd: never a recycled PID); the launcher's close. */
    void kill() {
        try {
            signal(9);
        } catch (IOException e) {
            log.debug("kill job pid {}: {}", jobPid, e.getMessage());
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
