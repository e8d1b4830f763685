package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The rule for a rootless JVM without a cgroup: defaults are replaced, limits asked for are refused by name. */
class RootlessDefaultsTest {
    private static final String PROBLEM = "mkdir /sys/fs/cgroup/x: Permission denied";

    @Test
    void aDefaultJobGetsRlimitsInsteadOfCgroupLimitsAndKeepsItsTmpSize() throws Exception {
        JobSpec spec = RootlessDefaults.adapt(Joblet.builder().command("true").build(), PROBLEM);
        assertThat(spec.needsCgroup()).isFalse();
        assertThat(spec.memory()).isEmpty();
        assertThat(spec.tmpSize()).isEqualTo(JobSpec.DEFAULT_MEMORY);
        assertThat(spec.security().rlimits().get(ResourceLimit.DATA).soft()).isEqualTo(JobSpec.DEFAULT_MEMORY.bytes());
        assertThat(spec.security().rlimits().get(ResourceLimit.DATA).hard()).isEqualTo(JobSpec.DEFAULT_MEMORY.bytes());
        long nproc = spec.security().rlimits().get(ResourceLimit.NPROC).hard();
        assertThat(nproc).isEqualTo(RootlessDefaults.countsPerUserNamespace() ? JobSpec.DEFAULT_PIDS_MAX : nproc);
        assertThat(nproc).isGreaterThanOrEqualTo(JobSpec.DEFAULT_PIDS_MAX);
    }

    @Test
    void theCallersOwnRlimitsAndTmpSizeWin() throws Exception {
        JobSpec spec = RootlessDefaults.adapt(Joblet.builder().command("true").rlimit(ResourceLimit.NPROC, 10, 20)
                .rlimit(ResourceLimit.DATA, 1 << 20, 2 << 20).tmpSize(MemorySize.ofMegabytes(8)).build(), PROBLEM);
        assertThat(spec.security().rlimits().get(ResourceLimit.NPROC).hard()).isEqualTo(20);
        assertThat(spec.security().rlimits().get(ResourceLimit.DATA).hard()).isEqualTo(2 << 20);
        assertThat(spec.tmpSize()).isEqualTo(MemorySize.ofMegabytes(8));
    }

    @Test
    void aJobWithoutLimitsIsLeftAlone() throws Exception {
        JobSpec given = Joblet.builder().command("true").pidsMax(0).noMemoryLimit().build();
        assertThat(RootlessDefaults.adapt(given, PROBLEM)).isSameAs(given);
    }

    @Test
    void limitsAskedForAreRefusedNamingEachAndWhatIsMissing() {
        assertThatThrownBy(() -> RootlessDefaults.adapt(Joblet.builder().command("true")
                .memory(JobSpec.DEFAULT_MEMORY).build(), PROBLEM))
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("no delegated cgroup").hasMessageContaining("the memory limit needs a cgroup")
                .hasMessageContaining(PROBLEM).hasMessageContaining(RootlessDefaults.DELEGATION_DOC);
        assertThatThrownBy(() -> RootlessDefaults.adapt(Joblet.builder().command("true").pidsMax(1024).cpu(50)
                .build(), PROBLEM)).hasMessageContaining("the pids, cpu limits need a cgroup");
        assertThat(RootlessDefaults.asked(Joblet.builder().command("true").cpus("0").cpuWeight(10)
                .memoryHigh(MemorySize.ofMegabytes(64)).ioBps(1000).build()))
                .containsExactly("cpuWeight", "memoryHigh", "io", "cpus");
        assertThat(RootlessDefaults.asked(Joblet.builder().command("true").memory(MemorySize.ofMegabytes(64))
                .build().toBuilder().build())).containsExactly("memory");
    }

    @Test
    void kernelReleasesAreCompared() {
        assertThat(RootlessDefaults.atLeast("6.18.0-1-amd64", 5, 14)).isTrue();
        assertThat(RootlessDefaults.atLeast("5.14.0", 5, 14)).isTrue();
        assertThat(RootlessDefaults.atLeast("5.13.19", 5, 14)).isFalse();
        assertThat(RootlessDefaults.atLeast("4.19", 5, 14)).isFalse();
        assertThat(RootlessDefaults.atLeast("weird", 5, 14)).isFalse();
    }
}
