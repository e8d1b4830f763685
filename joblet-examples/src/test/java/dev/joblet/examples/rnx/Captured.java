package dev.joblet.examples.rnx;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One in-process run of rnx: its exit status and what it wrote. */
final class Captured {
    final int status;
    private final ByteArrayOutputStream out;
    private final ByteArrayOutputStream err;

    private Captured(int status, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        this.status = status;
        this.out = out;
        this.err = err;
    }

    static Captured rnx(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Rnx.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Captured(status, out, err);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The last line of stdout, where --json puts the result. */
    String lastLine() {
        String[] lines = out().split("\n");
        return lines[lines.length - 1];
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout\n" + out() + "--- stderr\n" + err();
    }
}
