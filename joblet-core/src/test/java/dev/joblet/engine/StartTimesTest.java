package dev.joblet.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StartTimesTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void delaysInTheSeedsForms() {
        assertThat(StartTimes.parse("1hour", NOW)).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(StartTimes.parse("30min", NOW)).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
        assertThat(StartTimes.parse("2h30m", NOW)).isEqualTo(NOW.plus(Duration.ofMinutes(150)));
        assertThat(StartTimes.parse("45s", NOW)).isEqualTo(NOW.plusSeconds(45));
        assertThat(StartTimes.parse("1d", NOW)).isEqualTo(NOW.plus(Duration.ofDays(1)));
        assertThat(StartTimes.parse("2 hours 5 minutes", NOW)).isEqualTo(NOW.plus(Duration.ofMinutes(125)));
        assertThat(StartTimes.delay("90SEC")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void rfc3339Times() {
        assertThat(StartTimes.parse("2030-07-18T20:15:00Z", NOW)).isEqualTo(Instant.parse("2030-07-18T20:15:00Z"));
        assertThat(StartTimes.parse("2030-07-18T20:15:00-07:00", NOW)).isEqualTo(Instant.parse("2030-07-19T03:15:00Z"));
        assertThat(StartTimes.parse("2030-07-18t20:15:00.5+02:00", NOW)).isEqualTo(Instant.parse("2030-07-18T18:15:00.5Z"));
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> StartTimes.parse("2029-07-18T20:15:00Z", NOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schedule (2029-07-18T20:15:00Z) is in the past");
        assertThatThrownBy(() -> StartTimes.parse("2030-13-18T20:15:00Z", NOW)).hasMessageContaining("is not an RFC 3339 time");
        assertThatThrownBy(() -> StartTimes.parse("2030-07-18T20:15:00", NOW)).hasMessageContaining("is not an RFC 3339 time");
        assertThatThrownBy(() -> StartTimes.parse("5 fortnights", NOW)).hasMessageContaining("unknown unit 'fortnights'");
        assertThatThrownBy(() -> StartTimes.parse("-5m", NOW)).hasMessageContaining("schedule (-5m) is not a delay");
        assertThatThrownBy(() -> StartTimes.parse("0s", NOW)).hasMessageContaining("must be a positive delay");
        assertThatThrownBy(() -> StartTimes.parse("", NOW)).hasMessageContaining("schedule ()");
        assertThatThrownBy(() -> StartTimes.parse("h", NOW)).hasMessageContaining("schedule (h) is not a delay");
    }
}
