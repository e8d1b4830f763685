package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.libc.LibC;
import java.io.IOException;

/** Small fd utilities over {@link LibC}. */
public final class Fds {
    private Fds() {}

    /** Moves fd to a number >= min (close-on-exec), closing the original; returns the fd to use. */
    public static int atLeast(int fd, int min) throws IOException {
        if (fd >= min) {
            return fd;
        }
        LibC libc = Native.libc();
        int moved = libc.fcntl(fd, LibC.F_DUPFD_CLOEXEC, min);
        if (moved < 0) {
            throw new IOException("fcntl F_DUPFD_CLOEXEC: " + Native.describe(Native.errno()));
        }
        libc.close(fd);
        return moved;
    }

    /** A close-on-exec duplicate of fd numbered >= min (the original stays open). */
    public static int dupAtLeast(int fd, int min) throws IOException {
        int d = Native.libc().fcntl(fd, LibC.F_DUPFD_CLOEXEC, min);
        if (d < 0) {
            throw new IOException("fcntl F_DUPFD_CLOEXEC: " + Native.describe(Native.errno()));
        }
        return d;
    }

    /** A close-on-exec pipe {read, write}, both ends numbered >= 5 so they never collide with stdio 0-4. */
    public static int[] pipe() throws IOException {
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, LibC.O_CLOEXEC) < 0) {
            throw new IOException("pipe2: " + Native.describe(Native.errno()));
        }
        try {
            fds[0] = atLeast(fds[0], 5);
            fds[1] = atLeast(fds[1], 5);
        } catch (IOException e) {
            closeQuietly(fds[0]);
            closeQuietly(fds[1]);
            throw e;
        }
        return fds;
    }

    public static void nonBlocking(int fd) throws IOException {
        LibC libc = Native.libc();
        int fl = libc.fcntl(fd, LibC.F_GETFL, 0);
        if (fl < 0 || libc.fcntl(fd, LibC.F_SETFL, fl | LibC.O_NONBLOCK) < 0) {
            throw new IOException("fcntl O_NONBLOCK: " + Native.describe(Native.errno()));
        }
    }

    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }
}
