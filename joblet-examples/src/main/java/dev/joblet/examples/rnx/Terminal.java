package dev.joblet.examples.rnx;

import dev.joblet.Job;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Connects rnx's stdin to a tty job's terminal. When rnx itself runs in a terminal, that terminal is put in
 * raw mode (keys, Ctrl-C included, go to the job as typed) and given back as it was; the job's terminal starts with
 * the size of rnx's controlling terminal, if it has one ({@link #size()}, put in the spec), and follows its changes. When rnx's stdin is not a terminal (a pipe, a file), the
 * job still has its terminal, as with {@code docker run -t}: what comes in is typed into it, and the end of it is
 * typed as the terminal's end of file (Ctrl-D), so that {@code echo hi | rnx job run --tty cat} ends. Not
 * thread-safe: one per job.
 */
final class Terminal {
    private final Thread relay;
    private final @Nullable String savedMode;
    /** The SIGWINCH handler this one replaced, while rnx forwards its terminal's size changes; else null. */
    private final @Nullable Object previousWinch;

    private Terminal(Thread relay, @Nullable String savedMode, @Nullable Object previousWinch) {
        this.relay = relay;
        this.savedMode = savedMode;
        this.previousWinch = previousWinch;
    }

    static Terminal attach(Job job, InputStream in, PrintStream err) {
        String saved = null;
        Object previous = null;
        if (interactive()) {
            saved = stty("-g");
            if (saved != null) {
                stty("raw", "-echo");
                try {
                    // The user resizes rnx's terminal (a window): the job's follows, and its foreground gets SIGWINCH.
                    previous = WinchSignal.handle(() -> copySize(job, err));
                } catch (IllegalArgumentException e) {
                    // this JVM does not let SIGWINCH be handled: the job's terminal keeps its first size
                }
            }
        }
        boolean typed = stdinIsTerminal();
        OutputStream input = job.terminalInput();
        Thread relay = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                byte last = '\n';
                for (int n; (n = in.read(buf)) > 0; ) {
                    input.write(buf, 0, n);
                    last = buf[n - 1];
                }
                if (!typed) {
                    // End of file, as typed: Ctrl-D ends a read at the start of a line; mid-line, the first one only
                    // hands over the line so far.
                    input.write(last == '\n' ? new byte[] {EOF} : new byte[] {EOF, EOF});
                }
            } catch (IOException e) {
                // the job ended (its terminal is gone) or our stdin failed: nothing more to relay
            }
        }, "rnx-stdin");
        relay.setDaemon(true); // a read on stdin cannot be interrupted; the JVM may exit past it
        relay.start();
        return new Terminal(relay, saved, previous);
    }

    /**
     * The size (rows, columns) of rnx's controlling terminal (/dev/tty, even when stdin is a pipe), or null when it
     * has none. The job's spec carries it, so the job's terminal has it before the command starts.
     */
    static int @Nullable [] size() {
        String size = stty("size");
        if (size == null || !size.matches("[1-9]\\d{0,4} [1-9]\\d{0,4}")) {
            return null;
        }
        String[] rc = size.split(" ");
        int rows = Integer.parseInt(rc[0]);
        int columns = Integer.parseInt(rc[1]);
        return rows <= 0xFFFF && columns <= 0xFFFF ? new int[] {rows, columns} : null;
    }

    /** After a SIGWINCH: gives the job's terminal the new size of rnx's; a job that has ended has no terminal to size. */
    private static void copySize(Job job, PrintStream err) {
        int[] size = size();
        if (size != null && job.isAlive()) {
            try {
                job.resizeTerminal(size[0], size[1]);
            } catch (IOException | RuntimeException e) {
                if (job.isAlive()) {
                    err.println("rnx: cannot size the job's terminal: " + e.getMessage());
                }
            }
        }
    }

    /** The terminal's end-of-file character (VEOF, Ctrl-D) as a terminal starts with it. */
    private static final byte EOF = 4;

    /** Whether rnx's own stdin is a terminal (then Ctrl-D comes from the keyboard, if the user types it). */
    private static boolean stdinIsTerminal() {
        return isTerminal(0);
    }

    static boolean isTerminal(int fd) {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Whether rnx runs in a terminal: its stdin and stdout both are one, which is what {@code System.console() != null}
     * meant up to JDK 21 (from JDK 22 on it is never null).
     */
    private static boolean interactive() {
        return isTerminal(0) && isTerminal(1);
    }

    /** Gives rnx's terminal back as it was. */
    void detach() {
        if (previousWinch != null) {
            WinchSignal.restore(previousWinch);
        }
        if (savedMode != null) {
            stty(savedMode);
        }
        relay.interrupt();
    }

    /** Runs stty on rnx's controlling terminal; its output, or null when it failed. */
    private static @Nullable String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
