package dev.joblet.namespaces.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Pseudo-terminal pairs for tty jobs. */
final class Pty {
    private Pty() {}

    /** A new pseudo-terminal: {slave, master}, both close-on-exec and numbered >= 5. */
    static int[] open() throws IOException {
        LibC libc = Native.libc();
        int master = libc.posix_openpt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        if (master < 0) {
            throw new IOException("posix_openpt: " + Native.describe(Native.errno()));
        }
        int slave = -1;
        try {
            master = Fds.atLeast(master, 5);
            if (libc.grantpt(master) < 0 || libc.unlockpt(master) < 0) {
                throw new IOException("grantpt/unlockpt: " + Native.describe(Native.errno()));
            }
            byte[] name = new byte[128];
            int rc = libc.ptsname_r(master, name, name.length);
            if (rc != 0) {
                throw new IOException("ptsname_r: " + Native.describe(rc));
            }
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            String path = new String(name, 0, len, StandardCharsets.US_ASCII);
            slave = libc.open(path, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0);
            if (slave < 0) {
                throw new IOException("open " + path + ": " + Native.describe(Native.errno()));
            }
            return new int[] {Fds.atLeast(slave, 5), master};
        } catch (IOException | RuntimeException e) {
            Fds.closeQuietly(slave);
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
