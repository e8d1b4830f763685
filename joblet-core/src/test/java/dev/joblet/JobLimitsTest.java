package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Limits asked for are enforced and show in the result (on whatever cgroup layout this host has). */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for cgroups")
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
}
