package dev.joblet.cgroups.internal;

import java.util.HashMap;
import java.util.Map;

/** Parsers for the kernel's cgroup file formats. Stateless. */
public final class Keyed {
    private Keyed() {}

    /** A number, with {@code "max"} as {@link Long#MAX_VALUE}; -1 if it is not a number. */
    public static long number(String text) {
        String s = text.strip();
        if (s.equals("max")) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A flat-keyed file ({@code "key value"} per line, as cpu.stat or memory.events). */
    public static Map<String, Long> flat(String content) {
        Map<String, Long> map = new HashMap<>();
        for (String line : content.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
                map.put(f[0], number(f[1]));
            }
        }
        return map;
    }

    /** The value of {@code key} in a flat-keyed file, -1 if absent. */
    public static long flat(String content, String key) {
        return flat(content).getOrDefault(key, -1L);
    }

    /** The sum over all lines of a nested-keyed file ({@code "8:0 rbytes=1 wbytes=2"}, as io.stat) of {@code key}. */
    public static long sumNested(String content, String key) {
        long sum = 0;
        String prefix = key + "=";
        for (String line : content.split("\n")) {
            for (String field : line.strip().split("\\s+")) {
                if (field.startsWith(prefix)) {
                    long v = number(field.substring(prefix.length()));
                    if (v > 0) {
                        sum += v;
                    }
                }
            }
        }
        return sum;
    }

    /** The sum of {@code op} ("Read", "Write") over the devices of a v1 blkio file ({@code "8:0 Read 4096"}). */
    public static long sumBlkio(String content, String op) {
        long sum = 0;
        for (String line : content.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3 && f[1].equals(op)) {
                long v = number(f[2]);
                if (v > 0) {
                    sum += v;
                }
            }
        }
        return sum;
    }

    /** The pids listed in a {@code cgroup.procs} file. */
    public static long[] pids(String content) {
        return content.lines().map(String::strip).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
    }
}
