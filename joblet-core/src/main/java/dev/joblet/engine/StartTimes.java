package dev.joblet.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses start times as the seed's {@code --schedule} does: a delay from now ({@code 45s}, {@code 30min},
 * {@code 1hour}, {@code 2h30m}, {@code 1d}) or an RFC 3339 time ({@code 2025-07-18T20:15:00-07:00},
 * {@code 2025-07-18T20:15:00Z}). Thread-safe (stateless).
 */
public final class StartTimes {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})\\s*([a-z]+)");

    private StartTimes() {}

    /**
     * The instant {@code text} names, relative to {@code now} for a delay.
     *
     * @throws IllegalArgumentException quoting {@code text} when it is neither form, when a delay is zero, or when an
     *     RFC 3339 time is not after {@code now}
     */
    public static Instant parse(String text, Instant now) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("schedule () must be a delay like 30min or 2h30m, or an RFC 3339 time");
        }
        if (Character.isDigit(s.charAt(0)) && s.length() >= 10 && s.charAt(4) == '-') {
            Instant at;
            try {
                at = OffsetDateTime.parse(s.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("schedule (" + text + ") is not an RFC 3339 time like "
                        + "2025-07-18T20:15:00Z or 2025-07-18T20:15:00-07:00", e);
            }
            if (!at.isAfter(now)) {
                throw new IllegalArgumentException("schedule (" + text + ") is in the past (now is " + now + ")");
            }
            return at;
        }
        Duration delay = delay(text);
        if (delay.isZero()) {
            throw new IllegalArgumentException("schedule (" + text + ") must be a positive delay");
        }
        return now.plus(delay);
    }

    /** A delay: one or more {@code <number><unit>} parts; units s/sec/second(s), m/min/minute(s), h/hr/hour(s), d/day(s). */
    public static Duration delay(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw badDelay(text);
            }
            long n = Long.parseLong(m.group(1));
            Duration unit = unit(m.group(2), text);
            total = total.plus(unit.multipliedBy(n));
            pos = m.end();
            while (pos < s.length() && s.charAt(pos) == ' ') {
                pos++;
            }
        }
        if (pos == 0) {
            throw badDelay(text);
        }
        return total;
    }

    private static Duration unit(String u, String text) {
        switch (u) {
            case "s": case "sec": case "secs": case "second": case "seconds":
                return Duration.ofSeconds(1);
            case "m": case "min": case "mins": case "minute": case "minutes":
                return Duration.ofMinutes(1);
            case "h": case "hr": case "hrs": case "hour": case "hours":
                return Duration.ofHours(1);
            case "d": case "day": case "days":
                return Duration.ofDays(1);
            default:
                throw new IllegalArgumentException("schedule (" + text + ") has an unknown unit '" + u
                        + "': use s, min, h or d, e.g. 45s, 30min, 2h30m");
        }
    }

    private static IllegalArgumentException badDelay(String text) {
        return new IllegalArgumentException("schedule (" + text + ") is not a delay like 45s, 30min, 1hour or 2h30m, "
                + "nor an RFC 3339 time like 2025-07-18T20:15:00Z");
    }
}
