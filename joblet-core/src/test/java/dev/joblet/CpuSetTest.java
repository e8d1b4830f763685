package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpuSetTest {
    @Test
    void parsesListsAndRangesToCanonicalForm() {
        assertThat(CpuSet.parse("0-3").toString()).isEqualTo("0-3");
        assertThat(CpuSet.parse("1,3,5").toString()).isEqualTo("1,3,5");
        assertThat(CpuSet.parse("5,0-1,2").toString()).isEqualTo("0-2,5");
        assertThat(CpuSet.parse(" 7 ").size()).isEqualTo(1);
        assertThat(CpuSet.parse("0-1").isSubsetOf(CpuSet.parse("0-3"))).isTrue();
        assertThat(CpuSet.parse("0,4").isSubsetOf(CpuSet.parse("0-3"))).isFalse();
    }

    @Test
    void rejectsMalformedLists() {
        for (String bad : new String[] {"", "0-", "-1", "3-1", "a", "1,,2", ",", "1-2-3", "99999"}) {
            assertThatThrownBy(() -> CpuSet.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cpus (" + bad + ")");
        }
    }
}
