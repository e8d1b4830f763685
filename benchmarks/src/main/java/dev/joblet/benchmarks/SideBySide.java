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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

        String loadBefore = SideBySideReport.read("/proc/loadavg");
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
        String loadAfter = SideBySideReport.read("/proc/loadavg");

        String report = SideBySideReport.report(modes, skipped, rounds, warmup, seconds, loadBefore, loadAfter, jmhCsv, out);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println();
        System.out.println(SideBySideReport.table(modes));
        System.out.println(SideBySideReport.closeTable(modes));
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

}
