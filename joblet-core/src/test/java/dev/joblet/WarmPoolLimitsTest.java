package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.cgroups.CgroupLimits;
import org.junit.jupiter.api.Test;

/** Which limits a warm pool's cgroup may hold ahead of a claim: only ones the claiming job's limits overwrite. */
class WarmPoolLimitsTest {
    private static CgroupLimits pids(long n) {
        return CgroupLimits.builder().pidsMax(n).build();
    }

    @Test
    void aPidsLimitWrittenAheadIsOverriddenByAnyJobWithOne() {
        CgroupLimits ahead = pids(1025);
        assertThat(KindHistory.overrides(pids(8), ahead)).isTrue();
        assertThat(KindHistory.overrides(CgroupLimits.builder().pidsMax(1025).cpuPercent(50)
                .memoryMaxBytes(256L << 20).build(), ahead)).as("cpu and memory limits on top").isTrue();
        assertThat(KindHistory.overrides(CgroupLimits.builder().memoryMaxBytes(256L << 20).build(), ahead))
                .as("a job without a pids limit would inherit it").isFalse();
        assertThat(KindHistory.overrides(CgroupLimits.builder().build(), CgroupLimits.builder().build())).isTrue();
    }

    @Test
    void aMemoryLimitWrittenAheadMustBeTheSame() {
        CgroupLimits ahead = CgroupLimits.builder().pidsMax(10).memoryMaxBytes(256L << 20).build();
        assertThat(KindHistory.overrides(CgroupLimits.builder().pidsMax(5).memoryMaxBytes(256L << 20).build(), ahead)).isTrue();
        assertThat(KindHistory.overrides(CgroupLimits.builder().pidsMax(5).memoryMaxBytes(512L << 20).build(), ahead)).isFalse();
        assertThat(KindHistory.overrides(pids(5), ahead)).isFalse();
    }

    @Test
    void cpusetsAreNeverWrittenAhead() {
        CgroupLimits ahead = CgroupLimits.builder().pidsMax(10).cpusetCpus("0").build();
        assertThat(KindHistory.overrides(CgroupLimits.builder().pidsMax(10).cpusetCpus("0").build(), ahead)).isFalse();
    }
}
