package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.cgroups.CgroupStats;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class V2StatsTest {

    @Test
    void readsEveryCounter(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 10\nuser_usec 7\nsystem_usec 3\nnr_periods 5\n"
                + "nr_throttled 2\nthrottled_usec 99\n");
        Files.writeString(dir.resolve("memory.current"), "100\n");
        Files.writeString(dir.resolve("memory.peak"), "200\n");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n");
        Files.writeString(dir.resolve("pids.current"), "2\n");
        Files.writeString(dir.resolve("pids.peak"), "9\n");
        Files.writeString(dir.resolve("pids.events"), "max 3\n");
        Files.writeString(dir.resolve("io.stat"), "254:0 rbytes=5 wbytes=6 rios=1 wios=1\n");

        assertThat(V2Stats.read(NioCgroupFs.INSTANCE, dir)).isEqualTo(new CgroupStats(7, 3, 99, 2, 200, 100, 1, 2, 9, 3,
                5, 6));
    }

    @Test
    void missingFilesAreMinusOneAndPeakFallsBackToCurrent(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 10\nuser_usec 7\nsystem_usec 3\n");
        Files.writeString(dir.resolve("memory.current"), "100\n");
        CgroupStats stats = V2Stats.read(NioCgroupFs.INSTANCE, dir);
        assertThat(stats.nrThrottled()).isEqualTo(-1);
        assertThat(stats.memoryPeakBytes()).isEqualTo(100);
        assertThat(stats.pidsPeak()).isEqualTo(-1);
        assertThat(stats.ioWriteBytes()).isEqualTo(-1);
    }

    @Test
    void limitsFormat() {
        assertThat(V2Limits.cpuMax(250)).isEqualTo("250000 100000");
        assertThat(V2Limits.ioMax(dev.joblet.cgroups.IoLimit.of(8, 0).readBps(1))).isEqualTo(
                "8:0 rbps=1 wbps=max riops=max wiops=max");
    }
}
