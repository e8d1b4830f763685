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
 * raw mode (keys, Ctrl-C included, go to the job as typed) and given back as it was; the job's terminal gets
 * its size. Not thread-safe: one per job.
 */
final class Terminal {
    private final Thread relay;
    private final @Nullable String savedMode;

    private Terminal(Thread relay, @Nullable String savedMode) {
        this.relay = relay;
        this.savedMode = savedMode;
    }

    static Terminal attach(Job job, InputStream in, PrintStream err) {
        String saved = null;
        if (System.console() != null) {
            saved = stty("-g");
            String size = stty("size");
            if (size != null && size.matches("\\d+ \\d+")) {
                String[] rc = size.split(" ");
                try {
                    job.resizeTerminal(Integer.parseInt(rc[0]), Integer.parseInt(rc[1]));
                } catch (IOException | RuntimeException e) {
                    err.println("rnx: cannot size the job's terminal: " + e.getMessage());
                }
            }
            if (saved != null) {
                stty("raw", "-echo");
            }
        }
        OutputStream input = job.terminalInput();
        Thread relay = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    input.write(buf, 0, n);
                }
            } catch (IOException e) {
                // the job ended (its terminal is gone) or our stdin failed: nothing more to relay
            }
        }, "rnx-stdin");
        relay.setDaemon(true); // a read on stdin cannot be interrupted; the JVM may exit past it
        relay.start();
        return new Terminal(relay, saved);
    }

    /** Gives rnx's terminal back as it was. */
    void detach() {
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
