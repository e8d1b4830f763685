package dev.joblet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CgroupLimitsTest {

    @Test
    void noneNeedsNoController() {
        assertThat(CgroupLimits.none().requiredControllers()).isEmpty();
        assertThat(CgroupLimits.none().swapMaxBytes()).isEmpty();
    }

    @Test
    void everyLimitNamesItsController() {
        CgroupLimits limits = CgroupLimits.builder()
                .cpuPercent(50)
                .memoryMaxBytes(64 << 20)
                .pidsMax(32)
                .cpusetCpus("0-1")
                .io(IoLimit.of(8, 0).writeBps(1 << 20))
                .build();
        assertThat(limits.requiredControllers()).containsExactlyInAnyOrder(Controller.values());
        assertThat(CgroupLimits.builder().cpuWeight(10).build().requiredControllers())
                .containsExactly(Controller.CPU);
    }

    @Test
    void swapDefaultsToZeroOnlyWithMemoryMax() {
        assertThat(CgroupLimits.builder().memoryMaxBytes(64 << 20).build().swapMaxBytes()).hasValue(0);
        assertThat(CgroupLimits.builder().memoryMaxBytes(64 << 20).swapMaxBytes(1 << 20).build().swapMaxBytes())
                .hasValue(1 << 20);
        assertThat(CgroupLimits.builder().memoryHighBytes(64 << 20).build().swapMaxBytes()).isEmpty();
    }

    @Test
    void swapWithoutMemoryMaxIsRejected() {
        assertThatThrownBy(() -> CgroupLimits.builder().swapMaxBytes(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("swapMaxBytes (0) needs memoryMaxBytes to be set");
    }

    @Test
    void messagesNameTheFieldAndValue() {
        assertThatThrownBy(() -> CgroupLimits.builder().pidsMax(0)).hasMessage("pidsMax (0) must be positive");
        assertThatThrownBy(() -> CgroupLimits.builder().cpuPercent(0)).hasMessageStartingWith("cpuPercent (0)");
        assertThatThrownBy(() -> CgroupLimits.builder().cpuPercent(-5)).hasMessageStartingWith("cpuPercent (-5)");
        assertThatThrownBy(() -> CgroupLimits.builder().cpuWeight(10_001)).hasMessageStartingWith("cpuWeight (10001)");
        assertThatThrownBy(() -> CgroupLimits.builder().memoryMaxBytes(4096))
                .hasMessageStartingWith("memoryMaxBytes (4096) must be at least");
        assertThatThrownBy(() -> CgroupLimits.builder().swapMaxBytes(-1)).hasMessageStartingWith("swapMaxBytes (-1)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-", "3-1", "a", "1,,2", "", " 1", "1,", "-1", "0-3,5-"})
    void malformedCpuListsAreRejected(String list) {
        assertThatThrownBy(() -> CgroupLimits.builder().cpusetCpus(list))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpusetCpus (\"" + list + "\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0-3", "0-3,5", "1,3,5", "2-2"})
    void canonicalCpuListsAreKept(String list) {
        assertThat(CgroupLimits.builder().cpusetCpus(list).cpusetMems(list).build().cpusetCpus()).hasValue(list);
    }

    @Test
    void oneIoLimitPerDevice() {
        CgroupLimits.Builder b = CgroupLimits.builder().io(IoLimit.of(8, 0).writeBps(100));
        assertThatThrownBy(() -> b.io(IoLimit.of(8, 0).readBps(100))).hasMessageContaining("repeats device 8:0");
        assertThat(b.io(IoLimit.of(8, 16).readBps(100)).build().ioLimits()).hasSize(2);
    }

    @Test
    void toBuilderRoundTrips() {
        CgroupLimits limits = CgroupLimits.builder().cpuPercent(20).memoryMaxBytes(1 << 26).pidsMax(9)
                .cpusetMems("0").io(IoLimit.of(254, 0).readBps(5).writeBps(5)).build();
        assertThat(limits.toBuilder().build()).isEqualTo(limits).hasSameHashCodeAs(limits);
        assertThat(limits.toString()).contains("cpuPercent=20", "pidsMax=9");
    }
}
