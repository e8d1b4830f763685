package dev.joblet.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The markdown report of {@link SideBySide}: its tables, the JMH section from a {@code -rf csv} file, the machine
 * facts, and the kept parts of an existing report; {@link SideBySide} does the measuring.
 */
final class SideBySideReport {
    private static final String JMH_BEGIN = "<!-- jmh:begin -->", JMH_END = "<!-- jmh:end -->";
    private static final String NOTES_BEGIN = "<!-- notes:begin -->", NOTES_END = "<!-- notes:end -->";

    private SideBySideReport() {}

    static String closeTable(List<SideBySide.Mode> modes) {
        StringBuilder sb = new StringBuilder("| mode | close() p50 µs | close() p99 µs | start + await + close p50 µs |\n"
                + "|---|---:|---:|---:|\n");
        for (SideBySide.Mode m : modes) {
            if (m.closeN == 0) {
                continue;
            }
            long[] c = Arrays.copyOf(m.closeSamples, m.closeN);
            Arrays.sort(c);
            long[] all = new long[Math.min(m.n, m.closeN)];
            for (int i = 0; i < all.length; i++) {
                all[i] = m.samples[i] + m.closeSamples[i];
            }
            Arrays.sort(all);
            sb.append("| ").append(m.name).append(" | ").append(us(pct(c, c.length, 0.50))).append(" | ")
                    .append(us(pct(c, c.length, 0.99))).append(" | ").append(us(pct(all, all.length, 0.50))).append(" |\n");
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- report

    static long pct(long[] sorted, int n, double q) {
        if (n == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * n); // nearest rank
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }

    static String us(long nanos) {
        return String.format(Locale.ROOT, "%,d", Math.round(nanos / 1000.0));
    }

    static String table(List<SideBySide.Mode> modes) {
        SideBySide.Mode base = modes.get(0);
        long[] bs = Arrays.copyOf(base.samples, base.n);
        Arrays.sort(bs);
        long bp50 = pct(bs, bs.length, 0.50), bp99 = pct(bs, bs.length, 0.99);
        double bmean = mean(bs);
        StringBuilder sb = new StringBuilder();
        sb.append("| mode | n | p50 µs | p99 µs | mean µs | max µs | p50 ratio | p99 ratio | mean ratio | p99/p50 |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SideBySide.Mode m : modes) {
            long[] s = Arrays.copyOf(m.samples, m.n);
            Arrays.sort(s);
            long p50 = pct(s, s.length, 0.50), p99 = pct(s, s.length, 0.99);
            double mean = mean(s);
            sb.append(String.format(Locale.ROOT, "| %s | %d%s | %s | %s | %s | %s | %.2fx | %.2fx | %.2fx | %.1f |\n", m.name,
                    m.n, m.failures > 0 ? " (" + m.failures + " failed)" : "", us(p50), us(p99), us(Math.round(mean)),
                    us(s.length == 0 ? 0 : s[s.length - 1]), ratio((double) p50, (double) bp50),
                    ratio((double) p99, (double) bp99), ratio(mean, bmean),
                    p50 == 0 ? 0.0 : (double) p99 / (double) p50));
        }
        return sb.toString();
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    private static double mean(long[] s) {
        return s.length == 0 ? 0 : Arrays.stream(s).average().orElse(0);
    }

    static String report(List<SideBySide.Mode> modes, List<String> skipped, int rounds, int warmup, double seconds,
            String loadBefore, String loadAfter, Path jmhCsv, Path out) throws IOException {
        String previous = Files.exists(out) ? Files.readString(out) : "";
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmark results\n\n");
        sb.append("Written by `benchmarks/run.sh` (`dev.joblet.benchmarks.SideBySide`); do not edit the generated parts "
                + "by hand, rerun it. Start + await of `/bin/true`, single-threaded, one process or job at a time (Joblet's `close()` is timed apart).\n\n");
        sb.append("## Machine\n\n");
        sb.append("| | |\n|---|---|\n");
        sb.append("| date | ").append(ZonedDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" |\n");
        sb.append("| nproc | ").append(java.lang.Runtime.getRuntime().availableProcessors()).append(" |\n");
        sb.append("| CPU | ").append(cpuModel()).append(" |\n");
        sb.append("| kernel | ").append(read("/proc/sys/kernel/osrelease")).append(" |\n");
        sb.append("| cgroups | ").append(Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "v2 (unified)"
                : "v1 (hybrid or legacy)").append(" |\n");
        sb.append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" (").append(System.getProperty("java.vendor"))
                .append(") |\n");
        sb.append("| load average before / after | ").append(loadBefore).append(" / ").append(loadAfter).append(" |\n\n");

        sb.append("## Side by side (one JVM, interleaved)\n\n");
        sb.append(String.format(Locale.ROOT, "%d warm-up rounds, then %d measured rounds in %.1f s; each round runs every "
                + "mode once, in a fresh (seeded) random order. Ratios are to ProcessBuilder bare. Every run is "
                + "checked to exit 0 (failures are left out of the figures and counted in *n*).%n%n", warmup, rounds,
                seconds));
        sb.append(table(modes)).append('\n');
        sb.append("What is timed for Joblet is `start()` + `await()`; `close()` (which returns once the job's cgroup is "
                + "removed) follows untimed before the next run, and is timed on its own here:\n\n");
        sb.append(closeTable(modes)).append('\n');
        sb.append("| mode | what |\n|---|---|\n");
        for (SideBySide.Mode m : modes) {
            sb.append("| ").append(m.name).append(" | ").append(m.what).append(" |\n");
        }
        sb.append('\n');
        for (String s : skipped) {
            sb.append("- ").append(s).append('\n');
        }
        for (SideBySide.Mode m : modes) {
            if (m.failures > 0) {
                sb.append("- ").append(m.name).append(": ").append(m.failures).append(" failed runs; the first: ")
                        .append(m.firstFailure.replace('\n', ' ')).append('\n');
            }
        }
        sb.append('\n');

        String jmh = jmhCsv != null ? JMH_BEGIN + "\n" + jmhSection(jmhCsv) + JMH_END : between(previous, JMH_BEGIN, JMH_END);
        if (jmh != null) {
            sb.append(jmh).append("\n\n");
        }
        String notes = between(previous, NOTES_BEGIN, NOTES_END);
        if (notes != null) {
            sb.append(notes).append('\n');
        }
        return sb.toString();
    }

    private static String between(String text, String begin, String end) {
        int a = text.indexOf(begin), b = text.indexOf(end);
        return a < 0 || b < a ? null : text.substring(a, b + end.length());
    }

    // -------------------------------------------------------------- JMH csv

    /** The JMH section from {@code -rf csv} output of {@link StartBenchmark} (SampleTime). */
    static String jmhSection(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        // name -> {score, error, samples, p50, p90, p99, max}; unit
        java.util.LinkedHashMap<String, String[]> rows = new java.util.LinkedHashMap<>();
        String unit = "";
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = csvFields(line);
            if (f.size() < 7) {
                continue;
            }
            String bench = f.get(0); // dev.joblet.benchmarks.StartBenchmark.jobletTrue[:p0.50]
            int colon = bench.indexOf(':');
            String method = colon < 0 ? bench : bench.substring(0, colon);
            String name = method.substring(method.lastIndexOf('.') + 1);
            String[] r = rows.computeIfAbsent(name, k -> new String[7]);
            unit = f.get(6);
            if (colon < 0) {
                r[0] = f.get(4);
                r[1] = f.get(5);
                r[2] = f.get(3);
            } else {
                String q = bench.substring(colon + 1);
                switch (q) {
                    case "p0.50": r[3] = f.get(4); break;
                    case "p0.90": r[4] = f.get(4); break;
                    case "p0.99": r[5] = f.get(4); break;
                    case "p1.00": r[6] = f.get(4); break;
                    default: break;
                }
            }
        }
        String[] base = rows.get("processBuilderTrue");
        StringBuilder sb = new StringBuilder();
        sb.append("## JMH `StartBenchmark` (SampleTime, ").append(unit).append(")\n\n");
        sb.append("`java -jar benchmarks/target/benchmarks.jar StartBenchmark` (3 x 2 s warm-up, 5 x 3 s measurement, "
                + "1 fork), run separately from the side-by-side run above; ")
                .append(Files.getLastModifiedTime(csv).toInstant()).append(" (results file written).\n\n");
        sb.append("| benchmark | samples | mean ± 99.9% | p50 | p90 | p99 | max | p50 ratio | mean ratio |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var e : rows.entrySet()) {
            String[] r = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s ± %s | %s | %s | %s | %s | %s | %s |\n", e.getKey(), r[2],
                    num(r[0]), num(r[1]), num(r[3]), num(r[4]), num(r[5]), num(r[6]),
                    base == null ? "" : rat(r[3], base[3]), base == null ? "" : rat(r[0], base[0])));
        }
        return sb.toString();
    }

    private static String num(String s) {
        try {
            double d = Double.parseDouble(s);
            return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%,.0f", d);
        } catch (RuntimeException e) {
            return "n/a";
        }
    }

    private static String rat(String a, String b) {
        try {
            return String.format(Locale.ROOT, "%.2fx", Double.parseDouble(a) / Double.parseDouble(b));
        } catch (RuntimeException e) {
            return "n/a";
        }
    }

    private static List<String> csvFields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    // ----------------------------------------------------------------- host

    static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        Matcher m = Pattern.compile("(?m)^model name\\s*:\\s*(.+)$").matcher(read("/proc/cpuinfo"));
        return m.find() ? m.group(1).trim() : "?";
    }
}
