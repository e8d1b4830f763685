package dev.joblet.namespaces.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether a signal sent from outside a PID namespace reaches its PID 1, from {@code /proc/<pid>/status}. The kernel
 * protects a namespace's init: a signal from an ancestor namespace other than SIGKILL and SIGSTOP is dropped when
 * PID 1's disposition for it is the default or ignore, unless the signal is blocked (then it stays pending, and a
 * {@code sigwaitinfo} or a handler installed later takes it). So it is deliverable when PID 1 catches it (SigCgt),
 * any of its threads blocks it (SigBlk), or a thread waits in {@code rt_sigtimedwait} (sigwait, sigwaitinfo: the
 * kernel unblocks the awaited set for the wait, so SigBlk does not show it; which set is not visible, so any such
 * wait counts). Stateless.
 */
final class SignalDispositions {
    /** rt_sigtimedwait's number on this architecture, or -1 when not known here (any syscall then counts). */
    private static final int SIGTIMEDWAIT = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 128;
        case "aarch64", "riscv64" -> 137;
        default -> -1;
    };

    private SignalDispositions() {}

    /**
     * True when {@code signal} (1-64) would reach PID 1 {@code pid} (a PID of this JVM's namespace), or when that
     * cannot be read (the caller keeps its grace); false when it would be dropped, or the process is gone.
     */
    static boolean deliverableToInit(int pid, int signal) {
        long bit = 1L << (signal - 1);
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            if (caughtBy(pid, signal)) {
                return true;
            }
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
                for (Path t : tasks) {
                    try {
                        if ((mask(Files.readString(t.resolve("status")), "SigBlk:") & bit) != 0 || inSigwait(t)) {
                            return true;
                        }
                    } catch (NoSuchFileException e) {
                        // that thread has just exited
                    }
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false; // gone
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** True when process {@code pid} has a handler for {@code signal} (SigCgt); false when it has none or is gone. */
    static boolean caughtBy(int pid, int signal) throws IOException {
        try {
            return (mask(Files.readString(Path.of("/proc", Integer.toString(pid), "status")), "SigCgt:")
                    & 1L << (signal - 1)) != 0;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The thread {@code task} waits in rt_sigtimedwait (or, on an architecture not known here, in any syscall). */
    private static boolean inSigwait(Path task) throws IOException {
        String call = Files.readString(task.resolve("syscall")).strip(); // "nr args...", "-1 ..." or "running"
        int end = call.indexOf(' ');
        String nr = end < 0 ? call : call.substring(0, end);
        if (SIGTIMEDWAIT < 0) {
            return !nr.equals("running") && !nr.equals("-1");
        }
        return nr.equals(Integer.toString(SIGTIMEDWAIT));
    }

    /** The hexadecimal mask on the line starting with {@code key} of a /proc status file. */
    static long mask(String status, String key) {
        int at = status.indexOf("\n" + key);
        if (at < 0) {
            throw new IllegalArgumentException("no " + key + " in /proc status");
        }
        int start = at + 1 + key.length();
        int end = status.indexOf('\n', start);
        return Long.parseUnsignedLong(status.substring(start, end < 0 ? status.length() : end).strip(), 16);
    }
}
