package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayoutDetectorTest {
    private static final Path ROOT = Path.of("/fake");

    @Test
    void hybridWithSeparateCpuAndCpuacctAndANestedMemoryCgroup() throws CgroupException {
        HostLayout host = LayoutDetector.detect(HostFixtures.HYBRID_MOUNTINFO, HostFixtures.HYBRID_CGROUP, ROOT);

        assertThat(host.layout()).isEqualTo(CgroupLayout.HYBRID);
        assertThat(host.v1()).extracting(Hierarchy::label)
                .containsExactly("cpu", "cpuacct", "cpuset", "memory", "freezer", "blkio", "pids");
        assertThat(host.v1With("memory").orElseThrow().ownDir())
                .isEqualTo(Path.of("/fake/sys/fs/cgroup/memory/process_api/abc"));
        assertThat(host.v1With("cpuacct").orElseThrow().ownDir()).isEqualTo(Path.of("/fake/sys/fs/cgroup/cpuacct"));
        assertThat(host.unified().ownDir()).isEqualTo(Path.of("/fake/sys/fs/cgroup/unified"));
        assertThat(host.unified().mountPoint()).isEqualTo(host.unified().ownDir());
    }

    @Test
    void v1WithCoMountedCpuAndCpuacct() throws CgroupException {
        HostLayout host = LayoutDetector.detect(HostFixtures.V1_MOUNTINFO, HostFixtures.V1_CGROUP, ROOT);

        assertThat(host.layout()).isEqualTo(CgroupLayout.V1);
        assertThat(host.unified()).isNull();
        Hierarchy cpu = host.v1With("cpuacct").orElseThrow();
        assertThat(cpu).isSameAs(host.v1With("cpu").orElseThrow());
        assertThat(cpu.controllers()).isEqualTo(Set.of("cpu", "cpuacct"));
        assertThat(cpu.ownDir()).isEqualTo(Path.of("/fake/sys/fs/cgroup/cpu,cpuacct/system.slice/app.service"));
        assertThat(host.v1With("cpuset").orElseThrow().ownDir()).isEqualTo(Path.of("/fake/sys/fs/cgroup/cpuset"));
    }

    @Test
    void pureV2InAService() throws CgroupException {
        HostLayout host = LayoutDetector.detect(HostFixtures.V2_MOUNTINFO, HostFixtures.V2_CGROUP, ROOT);

        assertThat(host.layout()).isEqualTo(CgroupLayout.V2);
        assertThat(host.v1()).isEmpty();
        assertThat(host.unified().ownDir()).isEqualTo(Path.of("/fake/sys/fs/cgroup/system.slice/app.service"));
    }

    @Test
    void aV1NamedHierarchyAloneDoesNotMakeAHybrid() throws CgroupException {
        String mountinfo = HostFixtures.V2_MOUNTINFO
                + "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n";
        HostLayout host = LayoutDetector.detect(mountinfo, "1:name=systemd:/\n0::/\n", ROOT);
        assertThat(host.layout()).isEqualTo(CgroupLayout.V2);
    }

    @Test
    void aContainerMountRootIsStrippedFromTheOwnPath() throws CgroupException {
        String mountinfo = "50 40 0:28 /docker/c1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
        HostLayout host = LayoutDetector.detect(mountinfo, "0::/docker/c1/inner\n", ROOT);
        assertThat(host.unified().ownDir()).isEqualTo(Path.of("/fake/sys/fs/cgroup/inner"));
    }

    @Test
    void anOwnCgroupOutsideTheMountIsNotUsable() {
        String mountinfo = "50 40 0:28 /docker/c1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
        assertThatThrownBy(() -> LayoutDetector.detect(mountinfo, "0::/elsewhere\n", ROOT))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("no usable cgroup hierarchy");
    }

    @Test
    void escapedMountPointsAreDecoded() {
        assertThat(LayoutDetector.unescape("/mnt/a\\040b\\134c")).isEqualTo("/mnt/a b\\c");
        assertThat(LayoutDetector.unescape("/plain")).isEqualTo("/plain");
    }

    @Test
    void malformedInputNamesTheFile() {
        assertThatThrownBy(() -> LayoutDetector.detect("garbage\n", "0::/\n", ROOT))
                .hasMessageContaining("/proc/self/mountinfo");
        assertThatThrownBy(() -> LayoutDetector.detect(HostFixtures.V2_MOUNTINFO, "nonsense\n", ROOT))
                .hasMessageContaining("/proc/self/cgroup");
    }
}
