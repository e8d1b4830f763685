package dev.joblet.internal.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs iproute2 and nftables. Each call is one fork: {@code ip -batch -} and {@code nft -f -} take a whole
 * script on stdin, so a job's network costs two {@code ip} runs to set up and one to tear down. Thread-safe.
 */
public final class Tools {
    private static final Logger log = LoggerFactory.getLogger(Tools.class);

    private Tools() {}

    /** {@code ip [-n NETNS] -batch -} with {@code lines}; {@code force}: go on past failing lines (teardown). */
    public static void ipBatch(String netns, List<String> lines, boolean force) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        if (!netns.isEmpty()) {
            argv.add("-n");
            argv.add(netns);
        }
        if (force) {
            argv.add("-force");
        }
        argv.add("-batch");
        argv.add("-");
        run(argv, String.join("\n", lines) + "\n", !force);
    }

    /** {@code nft -f -} with {@code script}: applied as one transaction, all or nothing. */
    public static void nft(String script) throws IOException {
        run(List.of("nft", "-f", "-"), script, true);
    }

    /** Runs {@code argv} with {@code input} on stdin and returns its stdout; a non-zero exit is an IOException. */
    public static String run(List<String> argv, String input, boolean check) throws IOException {
        log.debug("{} <<< {}", argv, input);
        Process p;
        try {
            p = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new IOException(argv.get(0) + " is needed for private networks and cannot be run (" + e.getMessage()
                    + "); on Debian: apt-get install " + (argv.get(0).equals("nft") ? "nftables" : "iproute2"), e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.debug("{}: stdin closed early: {}", argv.get(0), e.getMessage());
        }
        String out;
        String err;
        try (InputStream o = p.getInputStream(); InputStream e = p.getErrorStream()) {
            out = new String(o.readAllBytes(), StandardCharsets.UTF_8); // small outputs: no deadlock with stderr
            err = new String(e.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        int rc;
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish within 60 s");
            }
            rc = p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        }
        if (rc != 0 && check) {
            throw new IOException(String.join(" ", argv) + " failed (exit " + rc + "): " + err);
        }
        if (rc != 0) {
            log.debug("{} exit {}: {}", argv, rc, err);
        }
        return out;
    }
}
