package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryVolumeTest {

    @Test
    void badTargetsAndSizesAreRejected() {
        assertThatThrownBy(() -> Joblet.builder().memoryVolume("scratch", MemorySize.ofMegabytes(1)))
                .hasMessageContaining("memory volume target (scratch)");
        assertThatThrownBy(() -> Joblet.builder().memoryVolume("/proc/x", MemorySize.ofMegabytes(1)))
                .hasMessageContaining("must not be under /proc");
        assertThatThrownBy(() -> Joblet.builder().memoryVolume("/a,size=1g", MemorySize.ofMegabytes(1)))
                .hasMessageContaining("memory volume target (/a,size=1g)");
        assertThatThrownBy(() -> Joblet.builder().memoryVolume("/s", MemorySize.ofBytes(10)))
                .hasMessageContaining("memory volume size (10 bytes)");
    }

    @Test
    @NeedsRoot("to run real jobs")
    void aMemoryVolumeIsWritableSizeLimitedAndGoesWithTheJob() throws Exception {
        try (Job job = Joblet.builder().memoryVolume("/scratch", MemorySize.ofMegabytes(2))
                .command("sh", "-c", "echo hi > /scratch/a && cat /scratch/a && head -c 3000000 /dev/zero > /scratch/big;"
                        + " echo rc=$?; df -k /scratch | tail -1 | tr -s ' ' | cut -d' ' -f2")
                .start()) {
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
            assertThat(job.stdout().text()).startsWith("hi\nrc=1\n").endsWith("2048\n");
            assertThat(job.stderr().text()).contains("No space left on device");
        }
    }
}
