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
        return new MemorySize(Math.multiplyExact(kib, KIB));
    }

    public static MemorySize ofMegabytes(long mib) {
        if (mib < 0) {
            throw new IllegalArgumentException("memory size (" + mib + " MiB) must not be negative");
        }
        return new MemorySize(Math.multiplyExact(mib, MIB));
    }

    public static MemorySize ofGigabytes(long gib) {
        return new MemorySize(Math.multiplyExact(gib, GIB));
    }

    /** Parses a size with an optional binary suffix: k, m, g (case-insensitive, optional trailing "b"/"ib"). */
    public static MemorySize parse(String text) {
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
        try {
            return new MemorySize(Math.multiplyExact(Long.parseLong(s), unit));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("memory size (" + text + ") is not a size like 256m or 1g", e);
        }
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
