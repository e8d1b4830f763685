package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.libc.LibC;
import dev.joblet.namespaces.DetachedProcess;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of a spawned helper's life, on the caller's thread: the messages sent on its control pipe and the
 * answer read from its status pipe ({@code MSG_STARTED}, {@code MSG_READY} or {@code MSG_ERROR}, helper.h), and
 * the exception that names what failed. C reports codes; the message is written here. Every failure abandons the
 * helper (lifeline closed, helper reaped, fds closed): nothing of it remains.
 */
final class Handshake {
    private static final Logger log = LoggerFactory.getLogger(Handshake.class);
    private static final int EPROTO = 71;

    private Handshake() {}

    /**
     * Sends {@code messages} (a config, or the exec message of a helper whose root is built) and waits for exec or
     * the failure report; on success the helper and its fds belong to the returned process, served by {@code loop}.
     */
    static HelperProcess start(EventLoop loop, HelperSpawn.Spawned s, byte[] messages, LaunchRequest request,
            OutputHandler output) throws IOException {
        Reply reply = exchange(s, messages, 1, Protocol.MSG_STARTED);
        byte[] msg = reply.msg();
        if (msg == null || Protocol.u32(msg, 0) != Protocol.MSG_STARTED) {
            s.abandon();
            throw failure(s, reply, (stage, detail) -> subject(request, stage, detail));
        }
        int jobPid = Protocol.arg(msg, 0);
        int out = s.out;
        int terminal = -1;
        if (request.tty()) {
            // The child sent the master before it exec'd, so it is queued by now.
            try {
                terminal = Pty.receiveMaster(s.console);
                out = Fds.dupAtLeast(terminal, 5);
            } catch (IOException | RuntimeException e) {
                Fds.closeQuietly(terminal);
                s.abandon(); // the lifeline: the supervisor kills the job
                throw new LaunchException(Stage.PROTOCOL, EPROTO, String.valueOf(e.getMessage()));
            }
            Fds.closeQuietly(s.console);
            s.console = -1;
        }
        byte @Nullable [] stdinBytes = request.stdin();
        HelperProcess p = new HelperProcess(loop, s, jobPid, out, terminal,
                stdinBytes == null || request.tty() ? new byte[0] : stdinBytes, output);
        p.register();
        if (request.tty() && stdinBytes != null) {
            p.writeInput(stdinBytes, 0, stdinBytes.length);
        }
        log.debug("helper {} started job pid {}", s.pid, jobPid);
        return p;
    }

    /**
     * A detached job's start: sends {@code messages} (detach and config) and waits for exec or the failure report.
     * Either way the helper spawned is then abandoned: it forked the supervisor and exited (or failed), and the
     * supervisor ignores the control pipe once it answered, so closing it does not end the job.
     */
    static DetachedProcess startDetached(HelperSpawn.Spawned s, byte[] messages, LaunchRequest request)
            throws IOException {
        Reply reply = exchange(s, messages, 1, Protocol.MSG_STARTED);
        s.abandon();
        byte[] msg = reply.msg();
        if (msg == null || Protocol.u32(msg, 0) != Protocol.MSG_STARTED) {
            throw failure(s, reply, (stage, detail) -> stage == Stage.DETACH ? stage.operation() + " (step " + detail
                    + ")" : subject(request, stage, detail));
        }
        log.debug("detached supervisor {} started job pid {}", Protocol.arg(msg, 1), Protocol.arg(msg, 0));
        return new DetachedProcess(Protocol.arg(msg, 0), Protocol.arg(msg, 1));
    }

    /**
     * Sends a warm helper its {@code messages} and waits for {@code readies} MSG_READY (two when its child builds the
     * root too); on failure abandons it. {@code files} are the cgroup.procs files it joins (named in errors).
     */
    static void awaitReady(HelperSpawn.Spawned s, byte[] messages, int readies, List<Path> files) throws IOException {
        Reply reply = exchange(s, messages, readies, Protocol.MSG_READY);
        byte[] msg = reply.msg();
        if (msg == null || Protocol.u32(msg, 0) != Protocol.MSG_READY) {
            s.abandon();
            throw failure(s, reply, (stage, detail) -> stage == Stage.NEW_NETWORK ? "unshare network namespace"
                    : detail >= 0 && detail < files.size() ? stage.operation() + " " + files.get(detail) : "warm helper");
        }
    }

    private interface Subject {
        String of(Stage stage, int detail);
    }

    /** What {@link #exchange} got: the last status message read (null if none), and the first I/O failure. */
    @SuppressWarnings("ArrayRecordComponent") // read once by exchange's caller, never compared nor hashed
    private record Reply(byte @Nullable [] msg, @Nullable IOException error) {}

    /**
     * Writes {@code messages} and reads status messages until {@code count} of {@code kind} arrived or another
     * came. A reply whose message is null means the helper ended (or a read failed) first.
     */
    private static Reply exchange(HelperSpawn.Spawned s, byte[] messages, int count, int kind) {
        IOException error = null;
        try {
            writeFully(s.ctl, messages);
        } catch (IOException e) {
            // The helper stopped reading (e.g. it rejected the header): its report says why. Closing the control
            // pipe makes sure it is not left waiting for the rest.
            error = e;
            Fds.closeQuietly(s.ctl);
            s.ctl = -1;
        }
        byte[] msg = new byte[Protocol.MESSAGE_SIZE];
        for (int i = 0; i < count; i++) {
            int got;
            try {
                got = readFully(s.status, msg);
            } catch (IOException e) {
                return new Reply(null, error != null ? error : e);
            }
            if (got < msg.length || Protocol.u32(msg, 4) != Protocol.PROTO_VERSION) {
                return new Reply(null, error != null ? error : new LaunchException(Stage.PROTOCOL, EPROTO, "helper "
                        + s.pid + " ended without reporting (got " + got + " bytes"
                        + (got == msg.length ? ", version " + Protocol.u32(msg, 4) : "") + ")"));
            }
            if (Protocol.u32(msg, 0) != kind) {
                break;
            }
        }
        return new Reply(msg, error);
    }

    private static IOException failure(HelperSpawn.Spawned s, Reply reply, Subject subject) {
        byte[] msg = reply.msg();
        if (msg != null && Protocol.is(msg, Protocol.MSG_ERROR)) {
            Stage stage = Stage.of(Protocol.arg(msg, 0));
            return new LaunchException(stage, Protocol.arg(msg, 1), subject.of(stage, Protocol.arg(msg, 2)));
        }
        IOException error = reply.error();
        if (error != null) {
            return error;
        }
        return new LaunchException(Stage.PROTOCOL, EPROTO, msg == null ? "helper " + s.pid + " ended without reporting"
                : "helper " + s.pid + " sent message kind 0x" + Integer.toHexString(Protocol.u32(msg, 0)));
    }

    /** What each detail of {@link Stage#TTY} names (console.c). */
    private static final String[] TTY_STEPS = {"open the job's /dev/pts/ptmx", "open the job's terminal",
        "chown the job's terminal", "send the job's terminal to the JVM", "make the terminal the controlling terminal",
        "make the terminal the job's stdio"};

    private static String subject(LaunchRequest r, Stage stage, int detail) {
        switch (stage) {
            case MOUNT:
                return detail >= 0 && detail < r.mounts().size() ? r.mounts().get(detail).describe() : "mount";
            case FETCH_FD:
                return detail >= 0 && detail < r.mounts().size()
                        ? stage.operation() + " for " + r.mounts().get(detail).describe() : stage.operation();
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
}
