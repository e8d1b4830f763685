package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM that owns network objects: its pid and start time ({@code /proc/PID/stat} field 22, which tells a
 * reused pid apart). Written into link aliases ({@code joblet:PID:START}), nftables table names
 * ({@code joblet_PID_START}) and namespace names, so that the next JVM can sweep what a crashed one left. Immutable.
 */
public record Owner(long pid, long startTime) {
    private static final Pattern TAG = Pattern.compile("(\\d{1,10})[:_-](\\d{1,20})");

    public static Owner self() {
        long pid = ProcessHandle.current().pid();
        return new Owner(pid, startTime(pid).orElse(0));
    }

    /** Parses {@code PID:START}, {@code PID_START} or {@code PID-START}. */
    public static Optional<Owner> parse(String text) {
        Matcher m = TAG.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Owner(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the owner has exited (its pid is gone or now belongs to a process started at another time). */
    public boolean isDead() {
        OptionalLong start = startTime(pid);
        return start.isEmpty() || start.getAsLong() != startTime;
    }

    static OptionalLong startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(f[19])); // field 22; f[0] is field 3
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code PID_START}: the separator nft names and namespace names can hold. */
    public String tag() {
        return pid + "_" + startTime;
    }

    /** The alias set on every link the owner creates. */
    public String alias() {
        return "joblet:" + pid + ":" + startTime;
    }
}
