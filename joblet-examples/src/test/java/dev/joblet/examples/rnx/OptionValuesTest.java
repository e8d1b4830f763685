package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.Volume;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionValuesTest {
    @Test
    void durationsAddUpTheirParts() {
        assertThat(OptionValues.duration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(OptionValues.duration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(OptionValues.duration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(OptionValues.duration("2h30m")).isEqualTo(Duration.ofMinutes(150));
        assertThat(OptionValues.duration("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
        assertThat(OptionValues.duration("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(OptionValues.duration("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(OptionValues.duration("90M")).isEqualTo(Duration.ofMinutes(90));
        assertThat(OptionValues.duration("PT10S")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void durationsNeedAUnitAndNothingElse() {
        for (String bad : new String[] {"30", "", "s", "1h30", "30 s", "-5s", "1.5h", "5x", "ptx", "9999999999999999999s"}) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> OptionValues.duration(bad))
                    .withMessageContaining("'" + bad + "'").withMessageContaining("2h30m");
        }
    }

    @Test
    void memoryIsMegabytesWithoutAUnit() {
        assertThat(OptionValues.memory("16")).isEqualTo(MemorySize.ofMegabytes(16));
        assertThat(OptionValues.memory("1g")).isEqualTo(MemorySize.ofGigabytes(1));
        assertThat(OptionValues.memory("64MiB")).isEqualTo(MemorySize.ofMegabytes(64));
        assertThatIllegalArgumentException().isThrownBy(() -> OptionValues.memory("a lot"))
                .withMessageContaining("'a lot'");
        assertThatIllegalArgumentException().isThrownBy(() -> OptionValues.memory("99999999999999999999"))
                .withMessageContaining("'99999999999999999999'");
    }

    @Test
    void networkIsNoneOrHostInAnyCase() {
        assertThat(OptionValues.network("none")).isEqualTo(Network.NONE);
        assertThat(OptionValues.network("HOST")).isEqualTo(Network.HOST);
        assertThatIllegalArgumentException().isThrownBy(() -> OptionValues.network("bridge"))
                .withMessage("'bridge' must be none, host or the name of a network created in this process");
    }

    @Test
    void volumeIsHostColonJobWithAnOptionalMode() {
        assertThat(OptionValues.volume("/a:/b")).isEqualTo(new Volume(Path.of("/a"), "/b", false));
        assertThat(OptionValues.volume("/a:/b:rw")).isEqualTo(new Volume(Path.of("/a"), "/b", true));
        assertThat(OptionValues.volume("/a/../c:/b:ro")).isEqualTo(new Volume(Path.of("/c"), "/b", false));
        for (String bad : new String[] {"/a", ":/b", "/a:", "/a:/b:rw:x", "/a:/b:wr"}) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> OptionValues.volume(bad))
                    .withMessageContaining("'");
        }
    }

    @Test
    void variablesSplitAtTheFirstEqualsOrComeFromTheEnvironment() {
        Map<String, String> env = Map.of("HOME", "/root");
        assertThat(OptionValues.variable("A=b=c", false, env::get)).isEqualTo(Map.entry("A", "b=c"));
        assertThat(OptionValues.variable("A=", false, env::get)).isEqualTo(Map.entry("A", ""));
        assertThat(OptionValues.variable("HOME", false, env::get)).isEqualTo(Map.entry("HOME", "/root"));
        assertThatIllegalArgumentException().isThrownBy(() -> OptionValues.variable("NOPE", false, env::get))
                .withMessageContaining("'NOPE'");
        assertThatIllegalArgumentException().isThrownBy(() -> OptionValues.variable("=v", false, env::get))
                .withMessageContaining("'=v'");
    }

    @Test
    void secretVariableMessagesNeverHoldTheValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> OptionValues.variable("=s3cr3t", true, n -> null))
                .withMessageNotContaining("s3cr3t");
    }
}
