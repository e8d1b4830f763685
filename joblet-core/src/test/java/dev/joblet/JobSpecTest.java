package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.cgroups.IoLimit;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobSpecTest {

    @Test
    void buildsAnImmutableReusableSpecWithDefaults() {
        JobSpec spec = Joblet.builder().command("bash", "-c", "true").env("A", "1").build();
        assertThat(spec.command()).containsExactly("bash", "-c", "true");
        assertThat(spec.runtime()).isEqualTo(JobRuntime.host());
        assertThat(spec.workdir()).isEqualTo("/work");
        assertThat(spec.network()).isEqualTo(Network.NONE);
        assertThat(spec.pidsMax()).isEqualTo(JobSpec.DEFAULT_PIDS_MAX);
        assertThat(spec.env()).containsEntry("A", "1");
        assertThatThrownBy(() -> spec.env().put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> spec.command().add("x")).isInstanceOf(UnsupportedOperationException.class);
        JobSpec derived = spec.toBuilder().memory(MemorySize.ofMegabytes(64)).build();
        assertThat(derived.memory()).contains(MemorySize.ofMegabytes(64));
        assertThat(spec.memory()).contains(JobSpec.DEFAULT_MEMORY);
        // /tmp is as large as the memory limit that bounds it anyway (tmpfs pages are charged to the job's cgroup).
        assertThat(spec.tmpSize()).isEqualTo(JobSpec.DEFAULT_MEMORY);
        assertThat(spec.tmpInodes()).as("at most as many as /work").isEqualTo(JobSpec.DEFAULT_TMP_INODES_MAX);
        assertThat(derived.tmpSize()).as("follows the memory limit").isEqualTo(MemorySize.ofMegabytes(64));
        assertThat(derived.tmpInodes()).isEqualTo(4096);
        assertThat(spec.toBuilder().noMemoryLimit().build().tmpSize())
                .isEqualTo(MemorySize.ofMegabytes(JobSpec.DEFAULT_TMP_MEGABYTES_UNLIMITED));
        assertThat(spec.toBuilder().tmpSize(MemorySize.ofMegabytes(8)).build().toBuilder().memory(MemorySize.ofGigabytes(1))
                .build().tmpSize()).as("a size set stays set").isEqualTo(MemorySize.ofMegabytes(8));
        assertThat(spec.init()).as("the command is PID 1 by default").isFalse();
        assertThat(spec.toBuilder().init(true).build().toBuilder().build().init()).isTrue();
        assertThat(spec.workspaceInodes()).isEqualTo(16384);
        assertThat(derived.toBuilder().tmpSize(MemorySize.ofMegabytes(128)).build().tmpInodes()).as("follows the size")
                .isEqualTo(8192);
        assertThat(spec.toBuilder().noMemoryLimit().build().memory()).isEmpty();
    }

    @Test
    void badInputNamesTheFieldAndTheValue() {
        assertThatThrownBy(() -> Joblet.builder().build()).hasMessage("command must not be empty");
        assertThatThrownBy(() -> Joblet.builder().command()).hasMessage("command must not be empty");
        assertThatThrownBy(() -> Joblet.builder().command("")).hasMessageContaining("command (\"\")");
        assertThatThrownBy(() -> Joblet.builder().workdir("rel/dir")).hasMessage("workdir (rel/dir) must be an absolute path");
        assertThatThrownBy(() -> Joblet.builder().env("A=B", "x")).hasMessageContaining("env name (A=B)");
        assertThatThrownBy(() -> Joblet.builder().env("A\0B", "x")).hasMessageContaining("env name (A?B)");
        assertThatThrownBy(() -> Joblet.builder().env("", "x")).hasMessageContaining("env name ()");
        assertThatThrownBy(() -> Joblet.builder().cpu(0)).hasMessageContaining("cpu (0%)");
        assertThatThrownBy(() -> Joblet.builder().cpu(-5)).hasMessageContaining("cpu (-5%)");
        assertThatThrownBy(() -> Joblet.builder().cpu(100_000)).hasMessageContaining("cpu (100000%)");
        assertThatThrownBy(() -> Joblet.builder().memory(MemorySize.ofMegabytes(1))).hasMessageContaining("memory (1 MiB) must be at least 4 MiB");
        assertThatThrownBy(() -> MemorySize.ofMegabytes(-5)).hasMessageContaining("-5 MiB");
        assertThatThrownBy(() -> Joblet.builder().cpus("0-")).hasMessageContaining("cpus (0-)");
        assertThatThrownBy(() -> Joblet.builder().cpus("3-1")).hasMessageContaining("cpus (3-1)");
        assertThatThrownBy(() -> Joblet.builder().cpus("a")).hasMessageContaining("cpus (a)");
        assertThatThrownBy(() -> Joblet.builder().cpus("1,,2")).hasMessageContaining("cpus (1,,2)");
        assertThatThrownBy(() -> Joblet.builder().cpus("4000")).hasMessageContaining("must be among the CPUs this process may use");
        assertThatThrownBy(() -> Joblet.builder().pidsMax(-1)).hasMessageContaining("pidsMax (-1)");
        assertThatThrownBy(() -> Joblet.builder().timeout(Duration.ZERO)).hasMessageContaining("timeout (PT0S)");
        assertThatThrownBy(() -> Joblet.builder().hostname("-bad")).hasMessageContaining("hostname (-bad)");
        assertThatThrownBy(() -> Joblet.builder().volume(Path.of("rel"), "/x")).hasMessageContaining("volume source (rel)");
        assertThatThrownBy(() -> Joblet.builder().volume(Path.of("/tmp"), "/proc/x")).hasMessageContaining("volume target (/proc/x)");
        assertThatThrownBy(() -> JobRuntime.named("../etc")).hasMessageContaining("runtime (../etc)");
        assertThatThrownBy(() -> Joblet.builder().cpuWeight(0)).hasMessageContaining("cpuWeight (0)");
        assertThatThrownBy(() -> Joblet.builder().memoryHigh(MemorySize.ofKilobytes(10))).hasMessageContaining("memoryHigh (10 KiB)");
        assertThatThrownBy(() -> IoLimit.device("/etc/passwd")).hasMessageContaining("io device (/etc/passwd) is not a block device");
        assertThatThrownBy(() -> IoLimit.device("/no/such/dev")).hasMessageContaining("io device (/no/such/dev)");
        assertThatThrownBy(() -> IoLimit.device("999:999")).hasMessageContaining("io device (999:999) is not a block device of this host");
        assertThatThrownBy(() -> IoLimit.device("/dev/null")).hasMessageContaining("is not a block device");
    }

    @Test
    void ioLimitsNameTheirDeviceAndRejectEmptyOrRepeatedOnes() throws Exception {
        long[] disk = BlockDevices.wholeDiskOf(Path.of("/"));
        String dev = disk[0] + ":" + disk[1];
        IoLimit l = IoLimit.device(dev).writeBps(1000).readIops(50);
        assertThat(l.major()).isEqualTo((int) disk[0]);
        assertThat(l.writeBps()).isEqualTo(1000);
        assertThat(l.readIops()).isEqualTo(50);
        assertThatThrownBy(() -> Joblet.builder().io(IoLimit.device(dev))).hasMessageContaining("limits nothing");
        assertThatThrownBy(() -> Joblet.builder().io(l).io(l)).hasMessageContaining("repeats device " + dev);
        assertThatThrownBy(() -> l.writeBps(-1)).hasMessageContaining("writeBps (-1)");
        assertThat(Joblet.builder().command("x").io(l).cpuWeight(500).build().ioLimits()).containsExactly(l);
    }

    @Test
    void toStringNeverShowsArgumentsOrEnvironment() {
        JobSpec spec = Joblet.builder().command("curl", "-H", "Authorization: secret").env("TOKEN", "secret").build();
        assertThat(spec.toString()).doesNotContain("secret");
    }
}
