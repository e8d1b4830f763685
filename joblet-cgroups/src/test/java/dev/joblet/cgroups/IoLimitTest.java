package dev.joblet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IoLimitTest {

    @Test
    void factoriesSetOneDirection() {
        assertThat(IoLimit.writeBps(254, 0, 2048)).isEqualTo(new IoLimit(254, 0, 0, 2048, 0, 0));
        assertThat(IoLimit.readBps(8, 1, 7)).isEqualTo(new IoLimit(8, 1, 7, 0, 0, 0));
        assertThat(IoLimit.bps(8, 1, 7).device()).isEqualTo("8:1");
    }

    @Test
    void rejectsNegativeValuesAndNoLimit() {
        assertThatThrownBy(() -> new IoLimit(-1, 0, 1, 0, 0, 0)).hasMessage("major (-1) must not be negative");
        assertThatThrownBy(() -> new IoLimit(8, 0, 0, -3, 0, 0)).hasMessage("writeBps (-3) must not be negative");
        assertThatThrownBy(() -> new IoLimit(8, 0, 0, 0, 0, 0)).hasMessageContaining("sets no rate");
    }
}
