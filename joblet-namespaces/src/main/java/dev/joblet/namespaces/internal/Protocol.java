package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.Rlimit;
import dev.joblet.namespaces.TerminalSize;
import dev.joblet.namespaces.UserNamespace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The wire format between the JVM and the native helper (see helper.h, the other half). Little-endian.
 * Config: {@code u32 magic, u32 version, u32 length, body}; strings are {@code u32 length, bytes}.
 */
public final class Protocol {
    /** The helper's fd layout (helper.h): the control pipe (JVM to helper) and the status pipe (helper to JVM). */
    public static final int CTL_FD = 3;
    public static final int STATUS_FD = 4;

    public static final String HELPER_ARGV_MAGIC = "--joblet-helper-v1";
    /** The second word of every message, either way; a reader refuses another. */
    public static final int PROTO_VERSION = 1;

    // The messages (helper.h, enum message); each opens with { u32 kind, u32 PROTO_VERSION }.
    /** JVM to supervisor, first: join cgroups (and a new network namespace) now, answer {@link #MSG_READY}. */
    public static final int MSG_WARM = 0x4D524157; // "WARM"
    /** JVM to supervisor: the job to start. */
    public static final int MSG_CONFIG = 0x544C424A; // "JBLT"
    /** JVM to a prepared helper: not wanted, exit at once (plain EOF may mean the JVM died, see hostfds.c). */
    public static final int MSG_DISCARD = 0x504F5244; // "DROP"
    /** JVM to a {@link #CFG_DEFER_EXEC} child that built its root: hostname, workdir, argv and env. */
    public static final int MSG_EXEC = 0x43455845; // "EXEC"
    /** JVM to supervisor, after {@link #MSG_STARTED}: signal the job's PID 1. */
    public static final int MSG_SIGNAL = 0x4C474953; // "SIGL"
    /** Supervisor to JVM: a warm helper joined its cgroups (or its child built the root) and waits. */
    public static final int MSG_READY = 0x59444552; // "REDY"
    /** Supervisor to JVM: the job exec'd; a = its PID. */
    public static final int MSG_STARTED = 0x54525453; // "STRT"
    /** Supervisor to JVM: a step failed; a = stage, b = errno, c = detail. */
    public static final int MSG_ERROR = 0x4C494146; // "FAIL"
    /** Supervisor to JVM: PID 1 ended; a = si_code, b = si_status. */
    public static final int MSG_EXIT = 0x54495845; // "EXIT"
    /** JVM to supervisor, just before the config: the job is detached (state directory, log cap, timeout). */
    public static final int MSG_DETACH = 0x48435444; // "DTCH"

    /** A status-shaped message: { kind, version, a, b, c }. */
    public static final int MESSAGE_SIZE = 20;
    /** A command: { kind, version, arg }. */
    public static final int COMMAND_SIZE = 12;
    /** The header of a message with a body: { kind, version, length }. */
    public static final int HEADER_SIZE = 12;

    public static final int CFG_NEWNET = 1;
    public static final int CFG_NO_NEW_PRIVS = 2;
    public static final int CFG_ROOT_READONLY = 4;
    public static final int CFG_NEWCGROUP = 8;
    public static final int CFG_TTY = 16;
    /** A minimal init is PID 1 (forwards signals, reaps orphans); the command is PID 2 (see init.c). */
    public static final int CFG_INIT = 32;
    /** Build the root, then wait for the command on the control pipe (see helper.h). */
    public static final int CFG_DEFER_EXEC = 1 << 16;
    /** With {@link #CFG_DEFER_EXEC}: the seccomp filter goes in before the wait too (see helper.h). */
    public static final int CFG_EARLY_SECCOMP = 1 << 17;

    public static final int SEC_MASK_PROC = 1;
    public static final int SEC_USERNS = 2;
    public static final int SEC_SETGROUPS_DENY = 4;
    /** A uid or gid of -1 (0xFFFFFFFF): leave it unchanged. */
    public static final int ID_KEEP = -1;

    public static final int MF_READONLY = 1;
    public static final int MF_OPTIONAL = 2;
    public static final int MF_RECURSIVE = 4;

    public static final int WARM_NEWNET = 1;

    /** The kernel's si_code values of a child's end (signal.h), as {@link #MSG_EXIT} carries them. */
    public static final int CLD_EXITED = 1;
    public static final int CLD_KILLED = 2;
    public static final int CLD_DUMPED = 3;

    /**
     * What a JVM writes to a helper it discards on purpose before closing the control pipe, so that the helper
     * exits at once. Plain EOF means the JVM may have died (see hostfds.c).
     */
    static byte[] discard() {
        Writer w = new Writer();
        w.u32(MSG_DISCARD);
        w.u32(PROTO_VERSION);
        w.u32(0);
        return w.toByteArray();
    }

    /** Whether {@code m} (at least {@link #MESSAGE_SIZE} bytes) is a status message of {@code kind} and this version. */
    static boolean is(byte[] m, int kind) {
        return u32(m, 0) == kind && u32(m, 4) == PROTO_VERSION;
    }

    /** Field a, b or c (0, 1, 2) of a status message. */
    static int arg(byte[] m, int index) {
        return u32(m, 8 + 4 * index);
    }

    private Protocol() {}

    /** Encodes the whole config message, header included. */
    public static byte[] encode(LaunchRequest r) {
        return encode(r, 0);
    }

    /** Encodes the config message with extra config flags (e.g. {@link #CFG_DEFER_EXEC}). */
    public static byte[] encode(LaunchRequest r, int extraFlags) {
        Writer w = new Writer();
        int flags = CFG_ROOT_READONLY | CFG_NEWCGROUP | extraFlags | (r.tty() ? CFG_TTY : 0) | (r.init() ? CFG_INIT : 0);
        if (r.network()) {
            flags |= CFG_NEWNET;
        }
        if (r.noNewPrivs()) {
            flags |= CFG_NO_NEW_PRIVS;
        }
        w.u32(flags);
        w.u32(r.fault());
        w.str(r.stagingDir());
        w.str(r.hostname());
        w.str(r.workdir());
        w.strings(r.argv());
        w.strings(r.env());
        List<Path> cg = r.cgroupProcsFiles();
        w.u32(cg.size());
        for (Path p : cg) {
            w.str(p.toString());
        }
        Path cg2 = r.cgroup2Dir();
        w.str(cg2 == null ? "" : cg2.toString());
        w.u32(r.mounts().size());
        for (MountOp m : r.mounts()) {
            w.u32(m.kind().code());
            w.u32((m.readOnly() ? MF_READONLY : 0) | (m.optional() ? MF_OPTIONAL : 0));
            w.str(m.source());
            w.str(m.target());
            w.str(m.data());
        }
        byte[] mask = r.cpuAffinity().toByteArray();
        w.u32(mask.length);
        w.bytes(mask);
        // Security fields, appended after the cpumask (config.c reads them in this order).
        int sec = (r.maskProc() ? SEC_MASK_PROC : 0);
        UserNamespace userns = r.userNamespace();
        if (userns != null) {
            sec |= SEC_USERNS;
            if (userns.denySetgroups()) {
                sec |= SEC_SETGROUPS_DENY;
            }
        }
        w.u32(sec);
        w.u32(r.uid());
        w.u32(r.gid());
        w.u32((int) r.capabilities());
        w.u32((int) (r.capabilities() >>> 32));
        w.u32(r.rlimits().size());
        for (Rlimit l : r.rlimits()) {
            w.u32(l.resource());
            w.u64(l.soft());
            w.u64(l.hard());
        }
        w.u32(r.seccompFilter().instructions());
        r.seccompFilter().writeTo(w);
        w.str(userns == null ? "" : userns.uidMap());
        w.str(userns == null ? "" : userns.gidMap());
        Path netns = r.netns();
        w.str(netns == null ? "" : netns.toString());
        TerminalSize size = r.terminalSize(); // set by console.c before the command starts; 0: none
        w.u32(size == null ? 0 : size.rows() << 16 | size.columns());
        return message(MSG_CONFIG, w.toByteArray());
    }

    /** Encodes the warm message: the cgroup.procs files the supervisor joins, and whether it enters a new netns. */
    public static byte[] encodeWarm(List<Path> cgroupProcsFiles, boolean newNetwork) {
        Writer w = new Writer();
        w.u32(newNetwork ? WARM_NEWNET : 0);
        w.u32(cgroupProcsFiles.size());
        for (Path p : cgroupProcsFiles) {
            w.str(p.toString());
        }
        return message(MSG_WARM, w.toByteArray());
    }

    /** The detach message (helper.h MSG_DETACH): the job's state directory, log cap, timeout, grace, when to start. */
    public static byte[] encodeDetach(String stateDir, long logCapBytes, long timeoutMillis, long graceMillis,
            int keepFd, long startAtMillis) {
        Writer w = new Writer();
        w.str(stateDir);
        w.u32((int) logCapBytes);
        w.u32((int) timeoutMillis);
        w.u32((int) graceMillis);
        w.u32(keepFd);
        w.u64(startAtMillis);
        return message(MSG_DETACH, w.toByteArray());
    }

    /** The exec message of a {@link #CFG_DEFER_EXEC} helper: what differs between jobs built on the same root. */
    public static byte[] encodeExec(LaunchRequest r) {
        Writer w = new Writer();
        w.str(r.hostname());
        w.str(r.workdir());
        w.strings(r.argv());
        w.strings(r.env());
        return message(MSG_EXEC, w.toByteArray());
    }

    /** The header { kind, version, length } and the body. */
    private static byte[] message(int kind, byte[] body) {
        Writer msg = new Writer();
        msg.u32(kind);
        msg.u32(PROTO_VERSION);
        msg.u32(body.length);
        msg.bytes(body);
        return msg.toByteArray();
    }

    /**
     * The request with what the exec message carries (hostname, workdir, argv, env) set to fixed values: two
     * requests with equal templates build the same root and differ only in that message.
     */
    public static LaunchRequest template(LaunchRequest r) {
        return r.toBuilder().hostname("").workdir("/").argv(List.of("/")).env(List.of()).build();
    }

    /** A control command: signal the job's PID 1. */
    public static byte[] signalCommand(int signal) {
        Writer w = new Writer();
        w.u32(MSG_SIGNAL);
        w.u32(PROTO_VERSION);
        w.u32(signal);
        return w.toByteArray();
    }

    public static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static final class Writer extends ByteArrayOutputStream {
        Writer() {
            super(512);
        }

        void u32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
        }

        void u64(long v) {
            u32((int) v);
            u32((int) (v >>> 32));
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            bytes(b);
        }

        void strings(List<String> list) {
            u32(list.size());
            for (String s : list) {
                str(s);
            }
        }
    }
}
