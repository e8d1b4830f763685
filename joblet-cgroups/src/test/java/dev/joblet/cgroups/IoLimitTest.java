package dev.joblet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IoLimitTest {

    @Test
    void withersSetOneRateEach() {
        assertThat(IoLimit.of(254, 0).writeBps(2048)).isEqualTo(new IoLimit(254, 0, 0, 2048, 0, 0));
        assertThat(IoLimit.of(8, 1).readBps(7)).isEqualTo(new IoLimit(8, 1, 7, 0, 0, 0));
        assertThat(IoLimit.of(8, 1).readIops(3).writeIops(4)).isEqualTo(new IoLimit(8, 1, 0, 0, 3, 4));
        assertThat(IoLimit.of(8, 1).readBps(7).writeBps(7).device()).isEqualTo("8:1");
        assertThat(IoLimit.of(8, 1).readBps(7)).hasToString("8:1 rbps=7 wbps=0 riops=0 wiops=0");
    }

    @Test
    void rejectsNegativeValuesNamingFieldAndValue() {
        assertThatThrownBy(() -> new IoLimit(-1, 0, 1, 0, 0, 0)).hasMessage("io device (-1:0): major (-1) must not be negative");
        assertThatThrownBy(() -> IoLimit.of(8, -2)).hasMessage("io device (8:-2): minor (-2) must not be negative");
        assertThatThrownBy(() -> new IoLimit(8, 0, 0, -3, 0, 0)).hasMessage("writeBps (-3) must not be negative");
        assertThatThrownBy(() -> IoLimit.of(8, 0).readIops(-4)).hasMessage("readIops (-4) must not be negative");
    }

    @Test
    void aLimitOfNothingIsAValueButNoBuilderTakesIt() {
        IoLimit none = IoLimit.of(8, 0);
        assertThat(none.limitsNothing()).isTrue();
        assertThat(none.writeBps(1).limitsNothing()).isFalse();
        assertThatThrownBy(() -> CgroupLimits.builder().io(none))
                .hasMessage("io (8:0 rbps=0 wbps=0 riops=0 wiops=0) limits nothing: set a bandwidth or IOPS value");
    }

    @Test
    void deviceNamesABlockDeviceOfThisHost() {
        assertThatThrownBy(() -> IoLimit.device(null)).hasMessage("io device (null) must not be null");
        assertThatThrownBy(() -> IoLimit.device("/dev/null")).hasMessage("io device (/dev/null) is not a block device");
        assertThatThrownBy(() -> IoLimit.device("999:999")).hasMessage("io device (999:999) is not a block device of this host");
    }
}
