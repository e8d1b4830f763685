package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import dev.joblet.namespaces.libc.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The supervisors of detached jobs ({@link Launcher#launchDetached}), seen from any process: each is named by its pid
 * and its start time (field 22 of {@code /proc/<pid>/stat}), so that a recycled pid is never taken for it. Signals
 * are sent through a pidfd opened first and checked after, so they reach that supervisor or nobody. Stateless.
 */
public final class DetachedSupervisors {
    /** Asks the supervisor to end its job: it forwards SIGTERM to the job's PID 1 (detach.c). */
    public static final int STOP = 15;
    /** Asks the supervisor to kill its job at once (SIGUSR1, which it turns into SIGKILL of the job). */
    public static final int KILL = 10;

    private DetachedSupervisors() {}

    /**
     * Whether the supervisor {@code pid} that started at {@code startTime} still runs: a zombie (killed, not yet
     * reaped by whoever inherited it) or a dying process ({@code X}) runs no more.
     */
    public static boolean alive(int pid, long startTime) {
        if (pid <= 0) {
            return false;
        }
        String[] f = statFields(pid);
        return f.length > 19 && !f[0].equals("Z") && !f[0].equals("X") && parse(f[19]) == startTime;
    }

    /**
     * Sends {@code signal} ({@link #STOP} or {@link #KILL}) to the supervisor {@code pid} that started at
     * {@code startTime}; false when it is gone.
     *
     * @throws IOException when the kernel refuses the signal for another reason (EPERM: another user's job)
     */
    public static boolean signal(int pid, long startTime, int signal) throws IOException {
        if (signal != STOP && signal != KILL) {
            throw new IllegalArgumentException("signal (" + signal + ") must be STOP (15) or KILL (10)");
        }
        LibC libc = Native.libc();
        int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, pid, 0);
        if (pidfd < 0) {
            int e = Native.errno();
            if (e == 3) { // ESRCH
                return false;
            }
            throw new IOException("pidfd_open of supervisor " + pid + ": " + Native.describe(e));
        }
        try {
            if (startTime(pid) != startTime) {
                return false; // the pid was recycled: the pidfd names another process
            }
            if (libc.syscall(LibC.SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) < 0) {
                int e = Native.errno();
                if (e == 3) {
                    return false;
                }
                throw new IOException("signal " + signal + " to supervisor " + pid + ": " + Native.describe(e));
            }
            return true;
        } finally {
            libc.close(pidfd);
        }
    }

    /** Field 22 of {@code /proc/<pid>/stat}, or -1 when there is no such process. */
    public static long startTime(int pid) {
        String[] f = statFields(pid);
        return f.length > 19 ? parse(f[19]) : -1;
    }

    private static long parse(String field) {
        try {
            return Long.parseLong(field);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The fields of {@code /proc/<pid>/stat} from field 3 (the state) on; none when there is no such process. */
    private static String[] statFields(int pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return new String[0];
        } catch (IOException e) {
            return new String[0];
        }
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) {
            return new String[0];
        }
        return stat.substring(close + 2).trim().split(" "); // [0] is field 3 (state): field 22 is [19]
    }
}
