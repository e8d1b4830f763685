package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobletConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The memory and scale check of issue 9: N (default 1,000) jobs of {@code sleep} running at once with the default
 * spec (PID/mount/UTS/IPC/net namespaces, cgroup with a pids limit, hardening). Prints JVM threads, heap growth,
 * the supervisors' memory (RSS and PSS from {@code /proc/<pid>/smaps_rollup}; PSS shares the static helper's
 * pages fairly), start rate, and checks that nothing remains once every job is closed (children, this JVM's
 * job cgroups, fds, threads). Root only; a benchmark, not a test.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.joblet.benchmarks.ScaleCheck [--jobs 1000]
 * </pre>
 *
 * Each job is 2 processes (supervisor, {@code sleep}) and holds 5 fds in the JVM; mind {@code pids.max} of the
 * JVM's own cgroup and {@code ulimit -n}.
 */
public final class ScaleCheck {
    public static void main(String[] args) throws Exception {
        int n = 1000;
        int throughputSeconds = 10;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--jobs")) {
                n = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--throughput-seconds")) {
                throughputSeconds = Integer.parseInt(args[++i]);
            } else {
                System.err.println("usage: ScaleCheck [--jobs N] [--throughput-seconds S]");
                System.exit(2);
            }
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        // Warm up: the library's lazily started threads and the helper image exist from here on.
        // The warm-up and the throughput run on an instance of their own, closed before the baseline is counted
        // (its warm supervisors and threads gone); the jobs held at once run on a second one, closed before the end.
        Joblet first = Joblet.create(JobletConfig.fromSystemProperties());
        try (Job j = first.start(Joblet.builder().command("true").build())) {
            j.await();
        }
        if (throughputSeconds > 0) {
            throughput(first, Joblet.builder().command("/bin/true").build(), 2, 2);
            double rate = throughput(first, Joblet.builder().command("/bin/true").build(), 2, throughputSeconds);
            System.out.printf(Locale.ROOT, "sustained short jobs (default spec, /bin/true, start + await + close, 2 threads"
                    + ", %d s): %.0f jobs/s%n", throughputSeconds, rate);
        }
        first.close();
        Joblet joblet = Joblet.create(JobletConfig.fromSystemProperties());
        long fds0 = count(Path.of("/proc/self/fd"));
        int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();
        long heap0 = usedHeapAfterGc(mem);
        String load0 = Files.readString(Path.of("/proc/loadavg")).strip();

        JobSpec spec = Joblet.builder().command("sleep", "600").build();
        List<Job> jobs = new ArrayList<>(n);
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                jobs.add(joblet.start(spec));
            }
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(1000);
            long alive = jobs.stream().filter(Job::isAlive).count();
            long heap1 = usedHeapAfterGc(mem);
            int jvmThreads = ManagementFactory.getThreadMXBean().getThreadCount();
            List<Long> helpers = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toList());
            long rss = 0, pss = 0;
            for (long pid : helpers) {
                long[] m = rssPss(pid);
                rss += m[0];
                pss += m[1];
            }
            System.out.printf(Locale.ROOT, "jobs running at once: %d of %d (started in %.1f s, %.0f jobs/s)%n", alive, n,
                    startSeconds, n / startSeconds);
            System.out.printf(Locale.ROOT, "JVM threads in all: %d (before: %d)%n", jvmThreads, threads0);
            System.out.printf(Locale.ROOT, "supervisors: %d; RSS %.0f KiB per job, PSS %.0f KiB per job%n", helpers.size(),
                    helpers.isEmpty() ? 0.0 : rss / (double) helpers.size(), helpers.isEmpty() ? 0.0 : pss / (double) helpers.size());
            System.out.printf(Locale.ROOT, "JVM heap used after GC: %.1f MiB before, %.1f MiB with the jobs (growth %.1f MiB)%n",
                    heap0 / 1048576.0, heap1 / 1048576.0, (heap1 - heap0) / 1048576.0);
            System.out.printf(Locale.ROOT, "JVM fds: %d before, %d with the jobs%n", fds0, count(Path.of("/proc/self/fd")));
        } finally {
            long c0 = System.nanoTime();
            for (Job j : jobs) {
                j.stop(Duration.ZERO);
            }
            for (Job j : jobs) {
                j.close();
            }
            System.out.printf(Locale.ROOT, "stopped and closed all in %.1f s%n", (System.nanoTime() - c0) / 1e9);
        }
        joblet.close();
        Thread.sleep(500);
        long children = ProcessHandle.current().children().count();
        long cgroups = jobCgroups();
        long fds1 = count(Path.of("/proc/self/fd"));
        System.out.printf(Locale.ROOT, "afterwards: %d children, %d job cgroups of this JVM, fds %d (before %d), threads %d"
                + " (before %d)%n", children, cgroups, fds1, fds0, ManagementFactory.getThreadMXBean().getThreadCount(), threads0);
        System.out.println("load average before / after: " + load0 + " / " + Files.readString(Path.of("/proc/loadavg")).strip());
        boolean ok = children == 0 && cgroups == 0 && fds1 <= fds0;
        System.out.println(ok ? "nothing remains" : "SOMETHING REMAINS");
        System.exit(ok ? 0 : 1);
    }

    /** Jobs per second completed by {@code threads} threads each running start + await + close in a loop. */
    private static double throughput(Joblet joblet, JobSpec spec, int threads, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> list = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                while (System.nanoTime() < end && failure.get() == null) {
                    try (Job j = joblet.start(spec)) {
                        if (!j.await().isSuccess()) {
                            throw new IllegalStateException("job failed: " + j.await());
                        }
                        done.incrementAndGet();
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }
            });
            th.start();
            list.add(th);
        }
        for (Thread th : list) {
            th.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return done.get() / ((System.nanoTime() - t0) / 1e9);
    }

    private static long usedHeapAfterGc(MemoryMXBean mem) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** {RSS, PSS} in KiB. */
    private static long[] rssPss(long pid) {
        long rss = 0, pss = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("Rss:")) {
                    rss = Long.parseLong(f[1]);
                } else if (f[0].equals("Pss:")) {
                    pss = Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
        return new long[] {rss, pss};
    }

    /** Job cgroup directories under this JVM's owner directories. */
    private static long jobCgroups() throws IOException {
        String owner = "jvm-" + ProcessHandle.current().pid() + "-";
        long found = 0;
        try (Stream<Path> s = Files.walk(Path.of("/sys/fs/cgroup"), 8)) {
            found = s.filter(p -> p.getParent() != null && p.getParent().getFileName() != null
                    && p.getParent().getFileName().toString().startsWith(owner) && Files.isDirectory(p)).count();
        } catch (java.io.UncheckedIOException e) {
            return jobCgroups(); // a directory went away while we walked
        }
        return found;
    }
}
