package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.libc.LibC;
import java.io.IOException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The JVM's side of a tty job's terminal. The terminal is made inside the job, from its own devpts instance
 * (console.c in the helper); the JVM gets its master side over a console socket, as runc's and crun's callers
 * do. Not instantiable.
 */
final class Pty {
    /** struct msghdr (LP64: x86_64, aarch64): msg_iov at 16, msg_iovlen 24, msg_control 32, msg_controllen 40. */
    private static final int MSGHDR_SIZE = 56;
    /** Room for a few fds: more than one is a protocol error, and none may stay open unnoticed. */
    private static final int CONTROL_SIZE = 64;
    /** struct cmsghdr: cmsg_len (size_t) at 0, cmsg_level at 8, cmsg_type at 12, data from 16. */
    private static final int CMSG_HEADER = 16;

    private Pty() {}

    /**
     * A console socket pair {the JVM's end, the helper's end} (AF_UNIX, SOCK_SEQPACKET), both close-on-exec and
     * numbered >= 5; the helper's end becomes its fd 0 (see helper.h).
     */
    static int[] consoleSocket() throws IOException {
        int[] sv = new int[2];
        if (Native.libc().socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv) < 0) {
            throw new IOException("socketpair: " + Native.describe(Native.errno()));
        }
        try {
            sv[0] = Fds.atLeast(sv[0], 5);
            sv[1] = Fds.atLeast(sv[1], 5);
        } catch (IOException e) {
            Fds.closeQuietly(sv[0]);
            Fds.closeQuietly(sv[1]);
            throw e;
        }
        return sv;
    }

    /**
     * The master the job's child sent over the console socket before it exec'd (so it is queued: the read does not
     * wait), close-on-exec; checked to be a terminal's master side. Fails when the message holds no fd or more.
     */
    static int receiveMaster(int socket) throws IOException {
        jnr.ffi.Runtime rt = Native.runtime();
        if (rt.addressSize() != 8) {
            throw new IOException("console socket: struct msghdr is laid out for 64-bit platforms only");
        }
        Pointer data = Memory.allocateDirect(rt, 8, true);
        Pointer iov = Memory.allocateDirect(rt, 16, true);
        iov.putAddress(0, data.address());
        iov.putLong(8, 1);
        Pointer control = Memory.allocateDirect(rt, CONTROL_SIZE, true);
        Pointer msg = Memory.allocateDirect(rt, MSGHDR_SIZE, true);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, CONTROL_SIZE);
        LibC libc = Native.libc();
        long n;
        do {
            n = libc.recvmsg(socket, msg, LibC.MSG_DONTWAIT | LibC.MSG_CMSG_CLOEXEC);
        } while (n < 0 && Native.errno() == LibC.EINTR);
        if (n < 0) {
            throw new IOException("receive the job's terminal: " + Native.describe(Native.errno()));
        }
        long controlLen = msg.getLong(40);
        java.util.List<Integer> fds = new java.util.ArrayList<>();
        for (long off = 0; off + CMSG_HEADER <= controlLen; ) {
            long len = control.getLong(off);
            if (len < CMSG_HEADER || off + len > controlLen) {
                break;
            }
            if (control.getInt(off + 8) == LibC.SOL_SOCKET && control.getInt(off + 12) == LibC.SCM_RIGHTS) {
                for (long p = off + CMSG_HEADER; p + 4 <= off + len; p += 4) {
                    fds.add(control.getInt(p));
                }
            }
            off += (len + 7) & ~7L;
        }
        boolean truncated = (msg.getInt(48) & LibC.MSG_CTRUNC) != 0;
        if (n != 1 || fds.size() != 1 || truncated) {
            fds.forEach(Fds::closeQuietly);
            throw new IOException("receive the job's terminal: expected one byte and one fd, got " + n + " bytes and "
                    + fds.size() + " fds" + (truncated ? " (truncated)" : ""));
        }
        int master = fds.get(0);
        try {
            Pointer index = Memory.allocateDirect(rt, 4, true);
            if (libc.ioctl(master, LibC.TIOCGPTN, index) < 0) {
                throw new IOException("receive the job's terminal: the fd received is not a terminal's master side ("
                        + Native.describe(Native.errno()) + ")");
            }
            return Fds.atLeast(master, 5);
        } catch (IOException | RuntimeException e) {
            Fds.closeQuietly(master);
            throw e;
        }
    }

    /** Sets the terminal's size (struct winsize: rows, columns, then pixel sizes left 0). */
    static void resize(int master, int rows, int columns) throws IOException {
        if (rows < 1 || columns < 1 || rows > 65535 || columns > 65535) {
            throw new IllegalArgumentException("terminal size (" + rows + "x" + columns + ") must be 1-65535 each");
        }
        Pointer ws = Memory.allocateDirect(Native.runtime(), 8, true);
        ws.putShort(0, (short) rows);
        ws.putShort(2, (short) columns);
        if (Native.libc().ioctl(master, LibC.TIOCSWINSZ, ws) < 0) {
            throw new IOException("TIOCSWINSZ: " + Native.describe(Native.errno()));
        }
    }
}
