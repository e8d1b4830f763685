package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.libc.LibC;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * The one way a helper is started, for a cold launch and a prepared one alike: the pipes of helper.h's fd layout,
 * {@code posix_spawn} of the sealed image (never fork), and a pidfd of the helper. What it returns owns the JVM's
 * ends until the handshake hands them on. No Java code runs in the child.
 */
final class HelperSpawn {
    private static final int SIGINFO_SIZE = 128;

    private HelperSpawn() {}

    /** What the job's stdin (the helper's fd 0) is. */
    enum Stdin {
        /** {@code /dev/null}; the job's stdout and stderr are pipes. */
        NULL,
        /** A pipe the JVM writes the request's stdin bytes to; stdout and stderr are pipes. */
        PIPE,
        /**
         * The console socket (helper.h, CFG_TTY): the job makes its terminal itself, in its own devpts, and sends us
         * the master over it; the helper's fds 1 and 2 are {@code /dev/null} and our stderr pipe ends at once.
         */
        TTY
    }

    /**
     * A spawned helper and the JVM's ends of its pipes (-1 where the layout has none). Not thread-safe: the
     * handshake owns it on one thread, and either hands every fd on or calls {@link #abandon()}.
     */
    static final class Spawned {
        final int pid;
        final int pidfd;
        /** Write end of the control pipe: the helper's lifeline. */
        int ctl;
        final int status;
        final int out;
        final int err;
        /** Write end of the job's stdin ({@link Stdin#PIPE}), else -1. */
        final int stdin;
        /** Our end of the console socket ({@link Stdin#TTY}), else -1. */
        int console;

        private Spawned(int pid, int pidfd, int ctl, int status, int out, int err, int stdin, int console) {
            this.pid = pid;
            this.pidfd = pidfd;
            this.ctl = ctl;
            this.status = status;
            this.out = out;
            this.err = err;
            this.stdin = stdin;
            this.console = console;
        }

        /** Closes the lifeline first (a helper that started a job kills it), then reaps the helper and closes all. */
        void abandon() {
            Fds.closeQuietly(ctl);
            ctl = -1;
            reap(pidfd);
            for (int fd : new int[] {pidfd, status, out, err, stdin, console}) {
                Fds.closeQuietly(fd);
            }
            console = -1;
        }
    }

    /** Spawns the helper with the given stdin; its stdout and stderr are pipes (both /dev/null for a tty job). */
    static Spawned spawn(HelperImage image, Stdin stdin) throws IOException {
        LibC libc = Native.libc();
        List<Integer> opened = new ArrayList<>(); // every fd made here, closed on failure
        try {
            int[] ctl = track(opened, Fds.pipe());
            int[] status = track(opened, Fds.pipe());
            int[] err = track(opened, Fds.pipe());
            int[] out = null, in = null, console = null;
            int devNull = -1;
            int[] childFds = new int[5];
            childFds[Protocol.CTL_FD] = ctl[0];
            childFds[Protocol.STATUS_FD] = status[1];
            if (stdin == Stdin.TTY) {
                console = track(opened, Pty.consoleSocket());
                devNull = open(opened, "/dev/null", LibC.O_RDWR);
                childFds[0] = console[1];
                childFds[1] = devNull;
                childFds[2] = devNull;
            } else {
                out = track(opened, Fds.pipe());
                if (stdin == Stdin.PIPE) {
                    in = track(opened, Fds.pipe());
                    childFds[0] = in[0];
                } else {
                    devNull = open(opened, "/dev/null", LibC.O_RDONLY);
                    childFds[0] = devNull;
                }
                childFds[1] = out[1];
                childFds[2] = err[1];
            }
            int pid = posixSpawn(image, childFds);
            // The child's ends now belong to the helper alone.
            for (int fd : childFds) {
                close(opened, fd);
            }
            close(opened, err[1]);
            int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, pid, 0);
            if (pidfd < 0) {
                int e = Native.errno();
                close(opened, ctl[1]); // the lifeline first: the helper exits at EOF
                throw new LaunchException(Stage.SPAWN, e, "pidfd_open helper " + pid);
            }
            opened.clear();
            return new Spawned(pid, pidfd, ctl[1], status[0], out == null ? -1 : out[0], err[0], in == null ? -1 : in[1],
                    console == null ? -1 : console[0]);
        } catch (IOException | RuntimeException e) {
            for (int fd : opened) {
                Fds.closeQuietly(fd);
            }
            throw e;
        }
    }

    private static int[] track(List<Integer> opened, int[] pair) {
        opened.add(pair[0]);
        opened.add(pair[1]);
        return pair;
    }

    private static int open(List<Integer> opened, String path, int flags) throws IOException {
        int fd = Native.libc().open(path, flags | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("open " + path + ": " + Native.describe(Native.errno()));
        }
        opened.add(fd);
        int moved = Fds.atLeast(fd, 5);
        opened.set(opened.size() - 1, moved);
        return moved;
    }

    /** Closes fd if it is still in {@code opened} (/dev/null may be in the layout twice). */
    private static void close(List<Integer> opened, int fd) {
        if (opened.remove(Integer.valueOf(fd))) {
            Native.libc().close(fd);
        }
    }

    private static int posixSpawn(HelperImage image, int[] childFds) throws IOException {
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
            CStrings argv = new CStrings(List.of("joblet-helper", Protocol.HELPER_ARGV_MAGIC));
            CStrings envp = new CStrings(List.of());
            IntByReference pid = new IntByReference();
            int rc;
            try {
                rc = libc.posix_spawn(pid, image.path(), actions, null, argv.array, envp.array);
            } finally {
                java.lang.ref.Reference.reachabilityFence(argv);
                java.lang.ref.Reference.reachabilityFence(envp);
            }
            if (rc != 0) {
                throw new LaunchException(Stage.SPAWN, rc, "posix_spawn " + image.path());
            }
            return pid.intValue();
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    /** Waits until the process of {@code pidfd} has exited and reaps it. */
    static void reap(int pidfd) {
        Pointer info = Memory.allocateDirect(Native.runtime(), SIGINFO_SIZE, true);
        while (Native.libc().waitid(LibC.P_PIDFD, pidfd, info, LibC.WEXITED) < 0 && Native.errno() == LibC.EINTR) {
            // retry
        }
    }

    /**
     * Waits until the process of {@code pidfd} has exited (left to reap), at most {@code timeoutNanos}; true if it
     * has. Polls, backing off from 20 µs to 1 ms: for a process that was just told to exit.
     */
    static boolean awaitExit(int pidfd, long timeoutNanos) {
        Pointer info = Memory.allocateDirect(Native.runtime(), SIGINFO_SIZE, true);
        long deadline = System.nanoTime() + timeoutNanos;
        long pause = 20_000;
        for (;;) {
            info.putInt(16, 0);
            int r = Native.libc().waitid(LibC.P_PIDFD, pidfd, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT);
            if (r < 0 ? Native.errno() != LibC.EINTR : info.getInt(16) != 0) { // si_pid: set once it has exited
                return r == 0;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /** A NULL-terminated char*[] in native memory; keep the object reachable while C uses it. */
    private static final class CStrings {
        final Pointer array;
        final List<Pointer> strings = new ArrayList<>();

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
}
