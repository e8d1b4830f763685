package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.cgroups.IoLimit;
import dev.joblet.testing.NeedsRoot;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Limits asked for are enforced and show in the result (on whatever cgroup layout this host has). */
@NeedsRoot("for cgroups")
class JobLimitsTest {

    private static JobResult run(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    @Test
    void memoryHogIsOomKilledAndTheResultSaysSo() throws Exception {
        try (Job job = Joblet.builder().memory(MemorySize.ofMegabytes(32))
                .command("python3", "-c", "b = bytearray(256 * 1024 * 1024); print('survived')").start()) {
            JobResult r = run(job);
            assertThat(r.reason()).as(r.toString()).isEqualTo(EndReason.OOM_KILLED);
            assertThat(r.signal()).hasValue(9);
            assertThat(r.usage().oomKills()).isPositive();
            assertThat(job.stdout().text()).doesNotContain("survived");
            assertThat(r.message()).contains("memory limit 32 MiB");
        }
    }

    @Test
    void forkBombStopsAtPidsMaxAndIsFlagged() throws Exception {
        try (Job job = Joblet.builder().pidsMax(16)
                .command("python3", "-c", String.join("\n",
                        "import os, time",
                        "n = 0",
                        "try:",
                        "    for i in range(64):",
                        "        if os.fork() == 0:",
                        "            time.sleep(30)",
                        "            os._exit(0)",
                        "        n += 1",
                        "except OSError as e:",
                        "    print('fork failed', e.errno)",
                        "print(n)"))
                .timeout(Duration.ofSeconds(20)).stopGrace(Duration.ZERO).start()) {
            JobResult r = run(job);
            assertThat(r.reason()).as(r.toString()).isEqualTo(EndReason.EXITED);
            String[] out = job.stdout().text().split("\n");
            assertThat(out[0]).isEqualTo("fork failed 11"); // EAGAIN
            assertThat(Integer.parseInt(out[1])).isBetween(1, 15); // python itself is one of the 16
            assertThat(r.usage().pidsLimitHit()).isTrue();
        }
    }

    @Test
    void theLimitHoldsFromTheJobsFirstInstruction() throws Exception {
        // PID 1 is the one process pids.max=1 allows: its very first fork must fail, so the job was inside
        // its cgroup before its command started (no unlimited window).
        try (Job job = Joblet.builder().pidsMax(1)
                .command("python3", "-c", "import os\ntry:\n os.fork()\n print('forked')\nexcept OSError as e:\n print(e.errno)")
                .start()) {
            JobResult r = run(job);
            assertThat(job.stdout().text()).isEqualTo("11\n");
            assertThat(r.usage().pidsLimitHit()).isTrue();
        }
    }

    @Test
    void cpuBurnerIsThrottledToItsQuota() throws Exception {
        try (Job job = Joblet.builder().cpu(20)
                .command("timeout", "2", "sh", "-c", "while :; do :; done").start()) {
            JobResult r = run(job);
            long cpuMicros = r.usage().cpuUserMicros() + r.usage().cpuSystemMicros();
            long wallMicros = r.duration().toNanos() / 1000;
            assertThat(r.usage().cpuThrottledMicros()).as(r.usage().toString()).isPositive();
            // 20% of one core, with generous slack for a noisy machine: well below one full core
            assertThat(cpuMicros).as(r.usage().toString()).isLessThan(wallMicros / 2);
        }
    }

    @Test
    void pinningIsVisibleInsideTheJob() throws Exception {
        try (Job job = Joblet.builder().cpus("0")
                .command("sh", "-c", "grep Cpus_allowed_list /proc/self/status; nproc").start()) {
            JobResult r = run(job);
            assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
            assertThat(job.stdout().text()).matches("Cpus_allowed_list:\\s+0\\n1\\n");
        }
    }

    @Test
    void directWritesAreThrottledToTheDevicesWriteLimit() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("/var/tmp"), "joblet-io");
        try {
            java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            long[] disk = BlockDevices.wholeDiskOf(dir);
            long limit = 2L << 20; // 2 MiB/s
            try (Job job = Joblet.builder()
                    .io(IoLimit.device(disk[0] + ":" + disk[1]).writeBps(limit))
                    .volume(new Volume(dir, "/data", true))
                    .command("dd", "if=/dev/zero", "of=/data/f", "bs=64k", "count=96", "oflag=direct")
                    .start()) {
                JobResult r = run(job);
                assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
                double seconds = r.duration().toNanos() / 1e9;
                double rate = (96 * 64 * 1024) / seconds;
                // 6 MiB at 2 MiB/s: the throttle can only make it slower, so this bound cannot flake on a slow machine
                assertThat(rate).as("bytes/s with a %d bytes/s limit", limit).isLessThan(2.0 * limit);
                assertThat(r.usage().ioWriteBytes()).isGreaterThanOrEqualTo(96 * 64 * 1024);
            }
        } finally {
            try (var s = java.nio.file.Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
