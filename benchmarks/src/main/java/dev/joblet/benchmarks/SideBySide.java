package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.JobletConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * Side-by-side start + await of {@code /bin/true} in one JVM: ProcessBuilder bare, bwrap, unshare and Joblet in
 * its modes, interleaved round-robin (each round runs every mode once, in a fresh random order: seeded, so runs
 * are repeatable), after a warm-up. The order is shuffled rather than rotated because what ran just before matters
 * here: a v1 {@code cgroup.procs} write waits out an RCU grace period when no cgroup write happened shortly
 * before, so with a fixed cyclic order the mode that always follows the non-cgroup modes pays it every time. The
 * warm-up (300 rounds by default) is long enough for the JIT to compile both sides' start paths, as a long-running
 * service's would be: with 40 rounds much of Joblet's Java code still ran interpreted in the measured rounds.
 * Writes a markdown report (default {@code benchmarks/RESULTS.md}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.joblet.benchmarks.SideBySide [--rounds 300] [--warmup 300]
 *      [--out benchmarks/RESULTS.md] [--jmh-csv file] [--bwrap-note "why bwrap is missing"] [--pool size]
 * </pre>
 *
 * With {@code --jmh-csv} (JMH's {@code -rf csv} output of {@link StartBenchmark}) the report gets a JMH section;
 * without it, the JMH section and the notes section of an existing report are kept as they are.
 */
public final class SideBySide {
    private static final String TRUE = "/bin/true";
    private static final String JMH_BEGIN = "<!-- jmh:begin -->", JMH_END = "<!-- jmh:end -->";
    private static final String NOTES_BEGIN = "<!-- notes:begin -->", NOTES_END = "<!-- notes:end -->";

    @FunctionalInterface
    interface Op {
        /** Runs once; throws when the run failed (non-zero exit, failed start). */
        void run() throws Exception;
    }

    static final class Mode {
        final String name;
        final String what;
        final Op op;
        final long[] samples;
        /** Joblet modes: how long close() took after await (not in {@link #samples}). */
        final long[] closeSamples;
        int closeN;
        int n;
        int failures;
        String firstFailure = "";

        Mode(String name, String what, Op op, int rounds) {
            this.name = name;
            this.what = what;
            this.op = op;
            this.samples = new long[rounds];
            this.closeSamples = new long[rounds];
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = 300, warmup = 300;
        Path out = Path.of("benchmarks/RESULTS.md");
        Path jmhCsv = null;
        String bwrapNote = null;
        int pool = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                case "--warmup": warmup = Integer.parseInt(args[++i]); break;
                case "--out": out = Path.of(args[++i]); break;
                case "--jmh-csv": jmhCsv = Path.of(args[++i]); break;
                case "--bwrap-note": bwrapNote = args[++i]; break;
                case "--pool": pool = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("usage: SideBySide [--rounds N] [--warmup N] [--out FILE] [--jmh-csv FILE]"
                            + " [--bwrap-note TEXT] [--pool SIZE]");
                    System.exit(2);
            }
        }
        if (rounds < 1 || warmup < 0) {
            throw new IllegalArgumentException("--rounds must be >= 1 and --warmup >= 0");
        }

        List<Mode> modes = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        modes.add(new Mode("ProcessBuilder bare", "`ProcessBuilder(\"/bin/true\")`", () -> pb(TRUE), rounds));

        String bwrap = which("bwrap");
        if (bwrap == null) {
            skipped.add("ProcessBuilder + bwrap: skipped, "
                    + (bwrapNote != null ? bwrapNote : "`bwrap` is not on PATH (install the `bubblewrap` package)"));
        } else {
            String[] argv = {bwrap, "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", TRUE};
            String why = probe(() -> pb(argv));
            if (why == null) {
                modes.add(new Mode("ProcessBuilder + bwrap",
                        "`bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true`", () -> pb(argv), rounds));
            } else {
                skipped.add("ProcessBuilder + bwrap: skipped, it fails here: " + why);
            }
        }
        String unshare = which("unshare");
        if (unshare == null) {
            skipped.add("ProcessBuilder + unshare: skipped, `unshare` (util-linux) is not on PATH");
        } else {
            String[] argv = {unshare, "-u", "-i", "-m", "-p", "-f", "--mount-proc", TRUE};
            String why = probe(() -> pb(argv));
            if (why == null) {
                modes.add(new Mode("ProcessBuilder + unshare", "`unshare -u -i -m -p -f --mount-proc /bin/true`",
                        () -> pb(argv), rounds));
            } else {
                skipped.add("ProcessBuilder + unshare: skipped, it fails here: " + why);
            }
        }
        JobSpec full = Joblet.builder().command(TRUE).build();
        JobSpec host = Joblet.builder().command(TRUE).network(Network.HOST).build();
        JobSpec noCgroup = Joblet.builder().command(TRUE).pidsMax(0).noMemoryLimit().build();
        JobSpec limits = Joblet.builder().command(TRUE).cpu(50).memory(MemorySize.ofMegabytes(256)).build();
        JobletConfig config = JobletConfig.fromSystemProperties();
        if (pool >= 0) {
            config = config.toBuilder().warmPoolSize(pool).build();
        }
        // Two instances side by side: the warm pool's and one without it (closed at the end).
        Joblet warmJoblet = Joblet.create(config);
        Joblet coldJoblet = Joblet.create(config.toBuilder().warmPoolSize(0).build());
        modes.add(new Mode("Joblet full sandbox (warm pool)",
                "default spec: PID/mount/UTS/IPC/net namespaces, pivot_root, cgroup (pids limit); from the warm pool",
                () -> job(warmJoblet, full), rounds));
        modes.add(new Mode("Joblet full sandbox, cold", "as above, on a Joblet with `warmPoolSize(0)`",
                () -> job(coldJoblet, full), rounds));
        modes.add(new Mode("Joblet, Network.HOST (warm pool)", "full sandbox without the network namespace",
                () -> job(warmJoblet, host), rounds));
        modes.add(new Mode("Joblet, Network.HOST, cold", "as above, on a Joblet with `warmPoolSize(0)`",
                () -> job(coldJoblet, host), rounds));
        modes.add(new Mode("Joblet, no cgroup (warm pool)", "full sandbox, `pidsMax(0)`: no cgroup at all",
                () -> job(warmJoblet, noCgroup), rounds));
        modes.add(new Mode("Joblet + cpu/memory limits (warm pool)",
                "full sandbox, `cpu(50)`, `memory(256 MiB)`, pids limit", () -> job(warmJoblet, limits), rounds));

        String loadBefore = read("/proc/loadavg");
        long t0 = System.nanoTime();
        System.out.printf(Locale.ROOT, "%d modes, %d warm-up rounds, %d measured rounds%n", modes.size(), warmup, rounds);
        java.util.Random rnd = new java.util.Random(42);
        List<Mode> order = new ArrayList<>(modes);
        for (int r = 0; r < warmup; r++) {
            java.util.Collections.shuffle(order, rnd);
            for (Mode m : order) {
                try {
                    m.op.run();
                } catch (Exception e) {
                    // counted in the measured rounds; the warm-up only warms
                }
            }
        }
        System.out.printf(Locale.ROOT, "warm-up done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        long t1 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            java.util.Collections.shuffle(order, rnd); // no mode always follows the same one (see the class doc)
            for (Mode m : order) {
                long s = System.nanoTime();
                try {
                    lastClose = -1;
                    m.op.run();
                    m.samples[m.n++] = (lastClose >= 0 ? closeStarted : System.nanoTime()) - s;
                    if (lastClose >= 0) {
                        m.closeSamples[m.closeN++] = lastClose;
                    }
                } catch (Exception e) {
                    if (m.failures++ == 0) {
                        m.firstFailure = String.valueOf(e);
                    }
                }
            }
            if ((r + 1) % 50 == 0) {
                System.out.printf(Locale.ROOT, "  %d/%d rounds, %.1f s%n", r + 1, rounds, (System.nanoTime() - t1) / 1e9);
            }
        }
        double seconds = (System.nanoTime() - t1) / 1e9;
        String loadAfter = read("/proc/loadavg");

        String report = report(modes, skipped, rounds, warmup, seconds, loadBefore, loadAfter, jmhCsv, out);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println();
        System.out.println(table(modes));
        System.out.println(closeTable(modes));
        skipped.forEach(s -> System.out.println("- " + s));
        System.out.println("written: " + out);
        warmJoblet.close();
        coldJoblet.close();
        System.exit(0); // the library's event threads are daemons, but be sure
    }

    private static void pb(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).start();
        int code = p.waitFor();
        if (code != 0) {
            throw new IllegalStateException(argv[0] + " exited " + code + ": " + new String(
                    p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    /** Set by {@link #job}: when close() began and how long it took (-1: no job ran). Main thread only. */
    private static long closeStarted, lastClose = -1;

    /** Start + await is what is timed (as for ProcessBuilder: start + waitFor); close() is timed on its own. */
    private static void job(Joblet joblet, JobSpec spec) throws Exception {
        Job j = joblet.start(spec);
        try {
            JobResult r = j.await();
            if (!r.isSuccess()) {
                throw new IllegalStateException("job failed: " + r);
            }
        } finally {
            closeStarted = System.nanoTime();
            j.close();
            lastClose = System.nanoTime() - closeStarted;
        }
    }

    static String closeTable(List<Mode> modes) {
        StringBuilder sb = new StringBuilder("| mode | close() p50 µs | close() p99 µs | start + await + close p50 µs |\n"
                + "|---|---:|---:|---:|\n");
        for (Mode m : modes) {
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

    /** Null when the op works, else why not. */
    private static String probe(Op op) {
        try {
            op.run();
            return null;
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    private static String which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
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

    static String table(List<Mode> modes) {
        Mode base = modes.get(0);
        long[] bs = Arrays.copyOf(base.samples, base.n);
        Arrays.sort(bs);
        long bp50 = pct(bs, bs.length, 0.50), bp99 = pct(bs, bs.length, 0.99);
        double bmean = mean(bs);
        StringBuilder sb = new StringBuilder();
        sb.append("| mode | n | p50 µs | p99 µs | mean µs | max µs | p50 ratio | p99 ratio | mean ratio | p99/p50 |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Mode m : modes) {
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

    private static String report(List<Mode> modes, List<String> skipped, int rounds, int warmup, double seconds,
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
        for (Mode m : modes) {
            sb.append("| ").append(m.name).append(" | ").append(m.what).append(" |\n");
        }
        sb.append('\n');
        for (String s : skipped) {
            sb.append("- ").append(s).append('\n');
        }
        for (Mode m : modes) {
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

    private static String read(String file) {
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
