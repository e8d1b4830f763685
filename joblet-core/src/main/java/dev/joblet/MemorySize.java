package dev.joblet;

import java.util.Locale;

/** An amount of memory in bytes. Immutable. Parses "256m", "1g", "512k", "1024" (bytes). */
public final class MemorySize implements Comparable<MemorySize> {
    private static final long KIB = 1024, MIB = KIB * 1024, GIB = MIB * 1024;
    private final long bytes;

    private MemorySize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("memory size (" + bytes + " bytes) must not be negative");
        }
        this.bytes = bytes;
    }

    public static MemorySize ofBytes(long bytes) {
        return new MemorySize(bytes);
    }

    public static MemorySize ofKilobytes(long kib) {
        return of(kib, KIB, "KiB");
    }

    public static MemorySize ofMegabytes(long mib) {
        return of(mib, MIB, "MiB");
    }

    public static MemorySize ofGigabytes(long gib) {
        return of(gib, GIB, "GiB");
    }

    private static MemorySize of(long n, long unit, String unitName) {
        if (n < 0) {
            throw new IllegalArgumentException("memory size (" + n + " " + unitName + ") must not be negative");
        }
        if (n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("memory size (" + n + " " + unitName + ") is too large: at most "
                    + Long.MAX_VALUE / unit + " " + unitName);
        }
        return new MemorySize(n * unit);
    }

    /** Parses a size with an optional binary suffix: k, m, g, t (case-insensitive, optional trailing "b"/"ib"). */
    public static MemorySize parse(String text) {
        dev.joblet.internal.Args.nonNull(text, "memory size");
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (!s.isEmpty()) {
            char c = s.charAt(s.length() - 1);
            unit = c == 'k' ? KIB : c == 'm' ? MIB : c == 'g' ? GIB : c == 't' ? GIB * 1024 : 1;
            if (unit != 1) {
                s = s.substring(0, s.length() - 1);
            }
        }
        if (!s.matches("[0-9]{1,19}")) {
            throw new IllegalArgumentException("memory size (" + text + ") " + (s.matches("-[0-9]+")
                    ? "must not be negative" : "is not a size like 256m or 1g"));
        }
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("memory size (" + text + ") is too large: at most "
                    + Long.MAX_VALUE + " bytes");
        }
        return new MemorySize(n * unit);
    }

    public long bytes() {
        return bytes;
    }

    public long megabytes() {
        return bytes / MIB;
    }

    @Override
    public int compareTo(MemorySize o) {
        return Long.compare(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemorySize && ((MemorySize) o).bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytes);
    }

    /** "256 MiB", "1 GiB", "1536 bytes". */
    @Override
    public String toString() {
        if (bytes != 0 && bytes % GIB == 0) {
            return bytes / GIB + " GiB";
        }
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        if (bytes != 0 && bytes % KIB == 0) {
            return bytes / KIB + " KiB";
        }
        return bytes + " bytes";
    }
}
