package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The owner of network objects: one {@link NetHost}, that is one {@code Joblet} instance, named by its JVM's pid
 * and start time ({@code /proc/PID/stat} field 22, which tells a reused pid apart) and 8 hex digits of its own (as
 * the instance's cgroup directory {@code jvm-PID-START-PIDNS-HEX} is), so that two instances of one JVM never
 * touch each other's objects. Written into link aliases ({@code joblet:PID:START:HEX}), nftables table names
 * ({@code joblet_PID_START_HEX}) and namespace and state directory names ({@code joblet-PID_START_HEX-...}), so
 * that the next JVM can sweep what a crashed one left. Liveness is the JVM's: the instance part only keeps names
 * apart. Names without it (written before instances had one) still parse. Immutable.
 *
 * @param instance 8 lower-case hex digits, or empty for a name of the older form
 */
public record Owner(long pid, long startTime, String instance) {
    private static final Pattern TAG = Pattern.compile("(\\d{1,10})([:_-])(\\d{1,20})(?:\\2([0-9a-f]{8}))?");
    private static final Pattern INSTANCE = Pattern.compile("([0-9a-f]{8})?");

    public Owner {
        if (!INSTANCE.matcher(instance).matches()) {
            throw new IllegalArgumentException("owner instance (" + instance + ") must be 8 lower-case hex digits");
        }
    }

    /** A new owner in this JVM, with an instance part of its own. */
    public static Owner self() {
        long pid = ProcessHandle.current().pid();
        return new Owner(pid, startTime(pid).orElse(0),
                String.format(Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt()));
    }

    /** Parses {@code PID:START[:HEX]}, {@code PID_START[_HEX]} or {@code PID-START[-HEX]}. */
    public static Optional<Owner> parse(String text) {
        Matcher m = TAG.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            String instance = m.group(4);
            return Optional.of(new Owner(Long.parseLong(m.group(1)), Long.parseLong(m.group(3)),
                    instance == null ? "" : instance));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the owner's JVM has exited (its pid is gone or now belongs to a process started at another time). */
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

    /** {@code PID_START_HEX}: the separator nft names and namespace names can hold. */
    public String tag() {
        return join("_");
    }

    /** The alias set on every link the owner creates. */
    public String alias() {
        return "joblet:" + join(":");
    }

    private String join(String sep) {
        return pid + sep + startTime + (instance.isEmpty() ? "" : sep + instance);
    }
}
