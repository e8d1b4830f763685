package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.cgroups.CgroupStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's usage read from its cgroup directories known only by path (a detached job's): v2, v1, or gone. */
class DirStatsTest {

    @Test
    void aV2DirectoryIsToldByCgroupControllers(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("cgroup.controllers"), "cpu memory pids io\n");
        Files.writeString(dir.resolve("cpu.stat"), "user_usec 7\nsystem_usec 3\n");
        Files.writeString(dir.resolve("memory.current"), "100\n");
        Files.writeString(dir.resolve("memory.peak"), "200\n");
        Files.writeString(dir.resolve("pids.current"), "2\n");
        Files.writeString(dir.resolve("io.stat"), "8:0 rbytes=5 wbytes=6\n");
        CgroupStats s = DirStats.read(NioCgroupFs.INSTANCE, List.of(dir));
        assertThat(s.cpuUserMicros()).isEqualTo(7);
        assertThat(s.memoryCurrentBytes()).isEqualTo(100);
        assertThat(s.memoryPeakBytes()).isEqualTo(200);
        assertThat(s.pidsCurrent()).isEqualTo(2);
        assertThat(s.ioReadBytes()).isEqualTo(5);
        assertThat(s.ioWriteBytes()).isEqualTo(6);
    }

    @Test
    void v1HierarchiesAreToldByTheirControllersFiles(@TempDir Path root) throws Exception {
        Path cpu = Files.createDirectories(root.resolve("cpu,cpuacct/job"));
        Path memory = Files.createDirectories(root.resolve("memory/job"));
        Path pids = Files.createDirectories(root.resolve("pids/job"));
        Files.writeString(cpu.resolve("cpu.shares"), "1024\n");
        Files.writeString(cpu.resolve("cpuacct.usage"), "3000\n");
        Files.writeString(cpu.resolve("cpuacct.usage_user"), "2000000\n");
        Files.writeString(cpu.resolve("cpuacct.usage_sys"), "1000000\n");
        Files.writeString(memory.resolve("memory.usage_in_bytes"), "4096\n");
        Files.writeString(memory.resolve("memory.max_usage_in_bytes"), "8192\n");
        Files.writeString(pids.resolve("pids.current"), "3\n");
        CgroupStats s = DirStats.read(NioCgroupFs.INSTANCE, List.of(cpu, memory, pids));
        assertThat(s.cpuUserMicros()).isEqualTo(2000);
        assertThat(s.cpuSystemMicros()).isEqualTo(1000);
        assertThat(s.memoryCurrentBytes()).isEqualTo(4096);
        assertThat(s.memoryPeakBytes()).isEqualTo(8192);
        assertThat(s.pidsCurrent()).isEqualTo(3);
        assertThat(s.ioReadBytes()).as("no blkio directory").isEqualTo(-1);
    }

    @Test
    void directoriesThatAreGoneAreUnknown(@TempDir Path root) {
        assertThat(DirStats.read(NioCgroupFs.INSTANCE, List.of(root.resolve("gone")))).isEqualTo(CgroupStats.unknown());
        assertThat(DirStats.read(NioCgroupFs.INSTANCE, List.of())).isEqualTo(CgroupStats.unknown());
    }
}
