package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** JobResult's messages give durations in words, never ISO-8601 ("PT2S"). */
class JobResultHumanDurationTest {
    @Test
    void durationsReadAsAPersonWouldWriteThem() {
        assertThat(JobResult.human(Duration.ofMillis(250))).isEqualTo("250 ms");
        assertThat(JobResult.human(Duration.ofSeconds(2))).isEqualTo("2 s");
        assertThat(JobResult.human(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(JobResult.human(Duration.ofSeconds(63))).isEqualTo("1 min 3 s");
        assertThat(JobResult.human(Duration.ofMinutes(5))).isEqualTo("5 min");
        assertThat(JobResult.human(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
        assertThat(JobResult.human(Duration.ofHours(3))).isEqualTo("3 h");
    }
}
