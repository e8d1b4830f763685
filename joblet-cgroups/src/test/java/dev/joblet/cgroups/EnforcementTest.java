package dev.joblet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every limit seen enforced by the kernel, on whatever layout this host has (hybrid v1 on the build machines,
 * pure v2 in {@code scripts/vm-cgroup2-tests.sh}).
 */
@NeedsRoot("to create cgroups")
class EnforcementTest {
    private static CgroupDriver driver;
    private final List<JobCgroup> jobs = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void detect() throws CgroupException {
        driver = CgroupDriver.detect();
    }

    @AfterAll
    static void close() {
        driver.close();
    }

    @AfterEach
    void cleanUp() throws CgroupException {
        for (JobCgroup job : jobs) {
            job.remove();
            for (Path procs : job.procsFiles()) {
                assertThat(procs.getParent()).as("removed").doesNotExist();
            }
        }
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    private JobCgroup create(String test, CgroupLimits limits) throws CgroupException {
        for (Controller c : limits.requiredControllers()) {
            assumeTrue(driver.availableControllers().contains(c), c + " not available: " + driver.describe());
        }
        JobCgroup job = driver.create(TestProcesses.name(test), limits);
        jobs.add(job);
        return job;
    }

    private Process start(JobCgroup job, String... command) throws IOException, InterruptedException {
        Process p = TestProcesses.startIn(job, Redirect.DISCARD, command);
        processes.add(p);
        return p;
    }

    @Test
    void aMemoryHogIsOomKilled() throws Exception {
        long max = 32L << 20;
        JobCgroup job = create("oom", CgroupLimits.builder().memoryMaxBytes(max).build());
        Process hog = start(job, "tail", "/dev/zero");

        assertThat(hog.waitFor(120, TimeUnit.SECONDS)).as("hog ended").isTrue();
        assertThat(hog.exitValue()).isEqualTo(128 + 9);
        CgroupStats stats = job.stats();
        assertThat(stats.oomKills()).isGreaterThanOrEqualTo(1);
        assertThat(stats.memoryPeakBytes()).isBetween(max / 2, max);
    }

    /** Unread data on loopback TCP connections: each client sends until EAGAIN, nothing is read; prints MiB pinned. */
    private static final String PIN_TCP = String.join("\n",
            "import socket",
            "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(256)",
            "keep = []; total = 0; chunk = b'x' * (1 << 20)",
            "for i in range(128):",
            "    c = socket.create_connection(srv.getsockname()); s, _ = srv.accept(); keep += [c, s]",
            "    c.setblocking(False)",
            "    while total < (256 << 20):",
            "        try:",
            "            total += c.send(chunk)",
            "        except BlockingIOError:",
            "            break",
            "print(total >> 20, flush=True)");

    @Test
    void socketBuffersCountAgainstTheMemoryLimit() throws Exception {
        // v2: memory.max counts socket buffers; v1: memory.kmem.tcp.limit_in_bytes, which the driver sets to the max.
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
        long max = 64L << 20;
        JobCgroup job = create("tcp", CgroupLimits.builder().memoryMaxBytes(max).build());
        Path out = Files.createTempFile("joblet-tcp", ".txt");
        try {
            Process p = TestProcesses.startIn(job, Redirect.to(out.toFile()), "python3", "-c", PIN_TCP);
            processes.add(p);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("pinning ended").isTrue();
            if (p.exitValue() == 128 + 9) {
                assertThat(job.stats().oomKills()).as("killed by the OOM killer").isGreaterThanOrEqualTo(1);
                return;
            }
            assertThat(p.exitValue()).isZero();
            // Each socket may get a page or so past a full limit (forced charges); without a limit this pins 256 MiB.
            long pinnedMib = Long.parseLong(Files.readString(out).strip());
            assertThat(pinnedMib).as("MiB of unread TCP data").isLessThan(2 * (max >> 20));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void aForkBombStopsAtPidsMaxAndCanStillBeKilled() throws Exception {
        JobCgroup job = create("pids", CgroupLimits.builder().pidsMax(8).build());
        start(job, "sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 60 & i=$((i+1)); done; wait");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (job.stats().pidsMaxHits() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        CgroupStats stats = job.stats();
        assertThat(stats.pidsMaxHits()).isGreaterThanOrEqualTo(1);
        assertThat(stats.pidsCurrent()).isBetween(1L, 8L);
        if (stats.pidsPeak() >= 0) {
            assertThat(stats.pidsPeak()).isLessThanOrEqualTo(8);
        }
        job.kill();
        assertThat(job.isPopulated()).isFalse();
    }

    @Test
    void aCpuBurnerIsThrottledToItsQuota() throws Exception {
        JobCgroup job = create("cpu", CgroupLimits.builder().cpuPercent(20).build());
        long t0 = System.nanoTime();
        start(job, "sh", "-c", "while :; do :; done");
        Thread.sleep(2_000);
        CgroupStats stats = job.stats();
        long wallMicros = (System.nanoTime() - t0) / 1_000;
        job.kill();

        assertThat(stats.nrThrottled()).isPositive();
        assertThat(stats.throttledMicros()).isPositive();
        long used = stats.cpuUserMicros() + stats.cpuSystemMicros();
        assertThat(used).as("CPU time of a 20%% burner over %s us", wallMicros).isPositive()
                .isLessThan(wallMicros / 2);
    }

    @Test
    void pinningShowsInCpusAllowedList() throws Exception {
        String cpu = firstAllowedCpu();
        JobCgroup job = create("cpuset", CgroupLimits.builder().cpusetCpus(cpu).build());
        Path out = Files.createTempFile("joblet-cpuset", ".txt");
        try {
            Process p = TestProcesses.startIn(job, Redirect.to(out.toFile()),
                    "sh", "-c", "nproc; grep Cpus_allowed_list /proc/self/status");
            processes.add(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).containsExactly("1", "Cpus_allowed_list:\t" + cpu);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String firstAllowedCpu() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring(line.indexOf(':') + 1).strip().split("[-,]")[0];
            }
        }
        throw new IllegalStateException("no Cpus_allowed_list in /proc/self/status");
    }

    @Test
    void anODirectWriterIsThrottledToItsWriteBps() throws Exception {
        Optional<BlockTarget> target = BlockTarget.find();
        assumeTrue(target.isPresent(), "no block device to write to (set SCRATCH_DISK or use a disk-backed /var/tmp)");
        long limit = 2L << 20;
        long count = 16;
        long bytes = count * (256 << 10);
        JobCgroup job = create("io", CgroupLimits.builder()
                .io(IoLimit.of(target.get().major(), target.get().minor()).writeBps(limit)).build());
        try {
            long t0 = System.nanoTime();
            Process dd = start(job, "dd", "if=/dev/zero", "of=" + target.get().path(), "bs=256k",
                    "count=" + count, "oflag=direct", "conv=notrunc");
            assertThat(dd.waitFor(120, TimeUnit.SECONDS)).isTrue();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(dd.exitValue()).isZero();
            assertThat(bytes / seconds).as("bytes/s with a limit of %s", limit).isLessThan(2.0 * limit);
            assertThat(job.stats().ioWriteBytes()).isGreaterThanOrEqualTo(bytes / 2);
        } finally {
            target.get().cleanUp();
        }
    }

    @Test
    void killKillsEveryProcess() throws Exception {
        JobCgroup job = create("kill", CgroupLimits.none());
        Process p = start(job, "sh", "-c", "sleep 60 & sleep 60 & exec sleep 60");
        Path procs = job.procsFiles().get(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.readAllLines(procs).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Files.readAllLines(procs)).hasSize(3);
        assertThat(job.isPopulated()).isTrue();

        job.kill();

        assertThat(job.isPopulated()).isFalse();
        assertThat(Files.readString(procs, StandardCharsets.US_ASCII)).isBlank();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 9);
    }

    @Test
    void removeLeavesNoDirectoryEvenWhenPopulated() throws Exception {
        JobCgroup job = driver.create(TestProcesses.name("remove"), CgroupLimits.none());
        try {
            Process p = start(job, "sleep", "60");
            job.remove();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (Path procs : job.procsFiles()) {
                assertThat(procs.getParent()).doesNotExist();
            }
            job.remove();
        } finally {
            job.remove();
        }
    }

    @Test
    void onV2OneDirectoryIsTheWholeJob() throws Exception {
        assumeTrue(driver.layout() == CgroupLayout.V2, "only on cgroup v2");
        JobCgroup job = create("v2dir", CgroupLimits.none());
        assertThat(job.v2Directory()).isPresent();
        assertThat(job.procsFiles()).containsExactly(job.v2Directory().get().resolve("cgroup.procs"));
        assertThat(job.v2Directory().get().resolve("cgroup.kill")).exists();
    }

    @Test
    void aSingleThreadedProcessJoinsEveryHierarchyThroughTheJoinFiles() throws Exception {
        JobCgroup job = create("joinfiles", CgroupLimits.builder().pidsMax(10).build());
        if (driver.layout() != CgroupLayout.V2) {
            assertThat(job.joinFiles()).filteredOn(f -> !f.startsWith(job.cloneIntoDirectory().orElse(Path.of("/none"))))
                    .allSatisfy(f -> assertThat(f.getFileName()).hasToString("tasks"));
        }
        StringBuilder script = new StringBuilder();
        for (Path f : job.joinFiles()) {
            script.append("echo 0 > '").append(f).append("' || exit 3; ");
        }
        script.append("cat /proc/self/cgroup");
        Process p = new ProcessBuilder("sh", "-c", script.toString()).redirectErrorStream(true).start();
        processes.add(p);
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        // One line per hierarchy; each hierarchy the job uses lists the job's cgroup, named by the job.
        long inJob = out.lines().filter(l -> l.endsWith("/" + job.name())).count();
        assertThat(inJob).as(out).isEqualTo(job.joinFiles().size());
    }

    @Test
    void onHybridTheUnifiedCgroupIsJoinedForKill() throws Exception {
        assumeTrue(driver.layout() == CgroupLayout.HYBRID, "only on hybrid hosts");
        JobCgroup job = create("hybrid", CgroupLimits.none());
        assertThat(job.v2Directory()).isEmpty();
        assertThat(job.procsFiles()).last().satisfies(p -> assertThat(p.getParent().resolve("cgroup.kill")).exists());
        // A job process is cloned into the unified directory (CLONE_INTO_CGROUP) rather than written into it.
        assertThat(job.cloneIntoDirectory()).hasValue(job.procsFiles().get(job.procsFiles().size() - 1).getParent());
    }
}
