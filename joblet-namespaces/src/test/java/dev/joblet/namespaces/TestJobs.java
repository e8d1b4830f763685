package dev.joblet.namespaces;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A small host-like root for launcher tests, and an output collector. */
final class TestJobs {
    static final String STAGING = "/run/joblet-test/root";

    private TestJobs() {}

    static LaunchRequest.Builder request(String... argv) throws IOException {
        Files.createDirectories(Path.of(STAGING));
        return spec(argv);
    }

    /** The same request without creating the staging directory: for launches that fail before it is used. */
    static LaunchRequest.Builder spec(String... argv) {
        List<MountOp> mounts = new ArrayList<>();
        mounts.add(MountOp.bind("/usr", "/usr", true));
        for (String d : new String[] {"/bin", "/sbin", "/lib", "/lib64"}) {
            mounts.add(MountOp.optionalBind(d, d));
        }
        mounts.add(MountOp.dir("/etc"));
        for (String f : new String[] {"/etc/passwd", "/etc/group", "/etc/ld.so.cache", "/etc/alternatives"}) {
            mounts.add(MountOp.optionalBind(f, f));
        }
        mounts.add(MountOp.proc("/proc"));
        mounts.add(MountOp.dev("/dev"));
        mounts.add(MountOp.tmpfs("/tmp", "mode=1777,size=16m"));
        mounts.add(MountOp.tmpfs("/work", "mode=0755,size=16m"));
        return LaunchRequest.builder()
                .argv(List.of(argv))
                .env(List.of("PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=/work", "TERM=xterm"))
                .hostname("testjob")
                .workdir("/work")
                .stagingDir(STAGING)
                .mounts(mounts);
    }

    /** The helper built with fault injection (target/test-classes, built by the test-resources phase). */
    /** A launcher with the bundled helper, for a test class to hold in a static {@code @AutoClose} field. */
    static Launcher openLauncher() {
        try {
            return Launcher.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The event loop threads alive in this JVM (one per open launcher). */
    static long loopThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("joblet-io")).count();
    }

    static byte[] faultHelperImage() throws IOException {
        return Files.readAllBytes(Path.of("target/test-classes/joblet-helper-faults"));
    }

    /** The production helper as built into target/classes. */
    static Path bundledHelperPath() {
        return Path.of("target/classes/dev/joblet/namespaces/internal/joblet-helper");
    }

    /** How many fds this JVM has open. */
    /**
     * Open fds of the kinds the launcher creates (pipes, pidfds, epoll, memfds, /dev/null). Other fds are
     * left out: the JVM opens jars and other files by itself while a test runs (class loading), which
     * would make a plain count flaky without telling anything about the launcher.
     */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.filter(TestJobs::isLauncherKind).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isLauncherKind(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("pipe:") || target.startsWith("anon_inode:") || target.startsWith("/memfd:")
                    || target.startsWith("socket:") || target.startsWith("/dev/pts/")
                    || target.equals("/dev/null");
        } catch (IOException e) {
            return false; // closed meanwhile (e.g. the directory stream's own fd)
        }
    }

    /** Waits for the job's end, then until its supervisor is reaped and every fd closed (nothing of it left). */
    static ExitStatus released(LaunchedProcess p) throws Exception {
        ExitStatus s = p.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
        p.onReleased().get(20, java.util.concurrent.TimeUnit.SECONDS);
        return s;
    }

    /** Direct children of this JVM, zombies included (they still have a /proc entry). */
    static List<ProcessHandle> children() {
        return ProcessHandle.current().children().toList();
    }

    /** Live Java threads of this JVM. */
    static int javaThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** True when /proc/&lt;pid&gt; is gone, or now belongs to another process (started at another time). */
    static boolean isGone(int pid, String startTime) {
        return !startTime(pid).map(startTime::equals).orElse(false);
    }

    /** Field 22 of /proc/&lt;pid&gt;/stat (start time in clock ticks), empty when there is no such process. */
    static Optional<String> startTime(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(f[19]);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Waits up to {@code millis} for the condition; returns its last value. */
    static boolean poll(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return condition.getAsBoolean();
            }
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * A v1 pids cgroup under this process's own pids cgroup, or empty when the host has no v1 pids
     * hierarchy. The caller removes it ({@link #removeCgroup}) once no job is in it.
     */
    static Optional<Path> createPidsCgroup(String name) throws IOException {
        Path hierarchy = Path.of("/sys/fs/cgroup/pids");
        if (!Files.exists(hierarchy.resolve("cgroup.procs"))) {
            return Optional.empty();
        }
        String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                .map(l -> l.split(":", 3))
                .filter(f -> f.length == 3 && List.of(f[1].split(",")).contains("pids"))
                .map(f -> f[2])
                .findFirst()
                .orElse(null);
        if (own == null) {
            return Optional.empty();
        }
        Path dir = hierarchy.resolve(own.substring(1)).resolve(name + "-" + ProcessHandle.current().pid());
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
        }
        return Optional.of(dir);
    }

    static void removeCgroup(Path dir) throws IOException, InterruptedException {
        // rmdir fails with EBUSY while a dying task is still being removed from the group.
        for (int i = 0; ; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (i == 100) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** Collects a job's output (called on the I/O thread). */
    static final class Collector implements OutputHandler {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public synchronized void onOutput(Stream stream, byte[] data, int off, int len) {
            (stream == Stream.STDOUT ? out : err).write(data, off, len);
        }

        /** Counted down once per stream that reached EOF. */
        final java.util.concurrent.CountDownLatch ends = new java.util.concurrent.CountDownLatch(2);

        @Override
        public void onEnd(Stream stream) {
            ends.countDown();
        }

        synchronized byte[] stdoutBytes() {
            return out.toByteArray();
        }

        synchronized String stdout() {
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        synchronized String stderr() {
            return err.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
