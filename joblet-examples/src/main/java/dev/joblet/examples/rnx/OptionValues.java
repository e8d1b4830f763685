package dev.joblet.examples.rnx;

import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.Upload;
import dev.joblet.Volume;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parsers for rnx's option values. Each throws {@link IllegalArgumentException} quoting the bad value (never
 * a secret's value) and showing what a good one looks like.
 */
final class OptionValues {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");
    private static final Pattern MEGABYTES = Pattern.compile("\\d+");

    private OptionValues() {}

    /** "30s", "5m", "1h", "2h30m", "1500ms", "1d" (or ISO-8601 "PT30S"). */
    static Duration duration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw badDuration(text);
            }
        }
        Matcher m = DURATION_PART.matcher(s);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (pos < s.length() && m.find(pos) && m.start() == pos) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
                switch (m.group(2)) {
                    case "d": total = total.plus(Duration.ofDays(n)); break;
                    case "h": total = total.plus(Duration.ofHours(n)); break;
                    case "m": total = total.plus(Duration.ofMinutes(n)); break;
                    case "s": total = total.plus(Duration.ofSeconds(n)); break;
                    default: total = total.plus(Duration.ofMillis(n)); break;
                }
            } catch (NumberFormatException | ArithmeticException e) {
                throw badDuration(text);
            }
            pos = m.end();
        }
        if (s.isEmpty() || pos != s.length()) {
            throw badDuration(text);
        }
        return total;
    }

    private static IllegalArgumentException badDuration(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration like 30s, 5m, 1h or 2h30m");
    }

    /** A plain number is megabytes, as in the seed's {@code --max-memory=512}; "2g", "512m" carry their unit. */
    static MemorySize memory(String text) {
        String s = text.trim();
        if (MEGABYTES.matcher(s).matches()) {
            try {
                return MemorySize.ofMegabytes(Long.parseLong(s));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("'" + text + "' is too large", e);
            }
        }
        try {
            return MemorySize.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not megabytes (e.g. 512) or a size like 512m or 2g", e);
        }
    }

    static Network network(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "none": return Network.NONE;
            case "host": return Network.HOST;
            default: return Network.named(text.trim()).orElseThrow(() -> new IllegalArgumentException(
                    "'" + text + "' must be none, host or the name of a network created in this process"));
        }
    }

    /**
     * {@code HOST:JOB}, {@code HOST:JOB:ro} or {@code HOST:JOB:rw}; read-only unless {@code :rw}. A relative
     * HOST path is taken from the current directory. A bare {@code NAME} is a named persistent volume at
     * {@code /volumes/NAME}.
     */
    static Volume volume(String text) {
        if (text.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            return Volume.named(text); // a named persistent volume at /volumes/NAME
        }
        String[] parts = text.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:JOB or HOST:JOB:rw, e.g. /data:/data:rw");
        }
        boolean writable = false;
        if (parts.length == 3) {
            if (parts[2].equals("rw")) {
                writable = true;
            } else if (!parts[2].equals("ro")) {
                throw new IllegalArgumentException("'" + text + "' ends in '" + parts[2] + "'; the mode must be ro or rw");
            }
        }
        Path source = Path.of(parts[0]).toAbsolutePath().normalize();
        return new Volume(source, parts[1], writable);
    }

    /**
     * {@code NAME=VALUE}; a bare {@code NAME} takes the value from rnx's own environment (so a secret need
     * not appear on the command line). When {@code secret}, messages name the variable but never its value.
     */
    static Map.Entry<String, String> variable(String text, boolean secret, Function<String, @Nullable String> environment) {
        int eq = text.indexOf('=');
        String name = eq < 0 ? text : text.substring(0, eq);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("'" + (secret ? "=..." : text) + "' is not NAME=VALUE: the name is empty");
        }
        if (eq >= 0) {
            return new SimpleImmutableEntry<>(name, text.substring(eq + 1));
        }
        String value = environment.apply(name);
        if (value == null) {
            throw new IllegalArgumentException("'" + name + "' is not NAME=VALUE, and " + name
                    + " is not set in rnx's environment to pass on");
        }
        return new SimpleImmutableEntry<>(name, value);
    }

    /**
     * {@code --upload=FILE[:PATH]} (PATH defaults to the file's name) and {@code --upload-dir=DIR[:PATH]} (PATH
     * defaults to /work itself). A relative host path is taken from the current directory.
     */
    static Upload upload(String text, boolean directory) {
        int colon = text.lastIndexOf(':');
        String host = colon > 0 ? text.substring(0, colon) : text;
        String target = colon > 0 ? text.substring(colon + 1) : null;
        if (host.isEmpty()) {
            throw new IllegalArgumentException("(" + text + ") must name a host path");
        }
        Path source = Path.of(host).toAbsolutePath().normalize();
        if (directory) {
            return Upload.directory(source, target == null ? "." : target);
        }
        Path name = source.getFileName();
        if (target == null && name == null) {
            throw new IllegalArgumentException("(" + text + ") must name a file");
        }
        return Upload.file(source, target == null ? String.valueOf(name) : target);
    }
}
