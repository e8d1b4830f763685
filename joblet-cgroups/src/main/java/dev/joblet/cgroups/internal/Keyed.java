package dev.joblet.cgroups.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsers for the kernel's cgroup file formats. Stateless. They split on whitespace by hand (no regular
 * expressions): a job's result reads a dozen of these files.
 */
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
        for (List<String> f : lines(content)) {
            if (f.size() == 2) {
                map.put(f.get(0), number(f.get(1)));
            }
        }
        return map;
    }

    /** The value of {@code key} in a flat-keyed file, -1 if absent. */
    public static long flat(String content, String key) {
        long value = -1;
        for (List<String> f : lines(content)) {
            if (f.size() == 2 && f.get(0).equals(key)) {
                value = number(f.get(1));
            }
        }
        return value;
    }

    /** The sum over all lines of a nested-keyed file ({@code "8:0 rbytes=1 wbytes=2"}, as io.stat) of {@code key}. */
    public static long sumNested(String content, String key) {
        long sum = 0;
        String prefix = key + "=";
        for (List<String> line : lines(content)) {
            for (String field : line) {
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
        for (List<String> f : lines(content)) {
            if (f.size() == 3 && f.get(1).equals(op)) {
                long v = number(f.get(2));
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

    /** The whitespace-separated fields of each line ({@code '\n'}-separated) of {@code content}. */
    static List<List<String>> lines(String content) {
        List<List<String>> lines = new ArrayList<>();
        List<String> fields = new ArrayList<>(4);
        int start = -1;
        int n = content.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? content.charAt(i) : '\n';
            if (c == '\n' || Character.isWhitespace(c)) {
                if (start >= 0) {
                    fields.add(content.substring(start, i));
                    start = -1;
                }
                if (c == '\n') {
                    lines.add(fields);
                    fields = new ArrayList<>(4);
                }
            } else if (start < 0) {
                start = i;
            }
        }
        return lines;
    }
}
