package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobIdTest {

    @Test
    void theFullFormIsTheCanonicalUuidAndTheShortFormItsFirstEightCharacters() {
        JobId id = JobId.parse("3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b");
        assertThat(id.toString()).isEqualTo("3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b");
        assertThat(id.shortForm()).isEqualTo("3f2a0c1e").hasSize(JobId.SHORT_LENGTH);
        assertThat(id.startsWith("3f2a")).isTrue();
        assertThat(id.startsWith("3f2b")).isFalse();
    }

    @Test
    void equalIdsAreEqualAndRandomOnesDiffer() {
        JobId a = JobId.random();
        assertThat(JobId.parse(a.toString())).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(JobId.random()).isNotEqualTo(a);
        assertThat(UUID.fromString(a.toString()).toString()).isEqualTo(a.toString());
    }

    @Test
    void aMalformedIdIsRefusedNamingTheValue() {
        for (String bad : new String[] {"", "3f2a0c1e", "3F2A0C1E-8B7D-4E6F-9A5B-1C2D3E4F5A6B", "1-2-3-4-5",
                "3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6bx"}) {
            assertThatThrownBy(() -> JobId.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("id (" + bad + ") must be a UUID in canonical form, e.g. "
                            + "3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b");
        }
        assertThatThrownBy(() -> JobId.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("id");
    }

    @Test
    void theStartFailureMessageHasOneForm() {
        JobId id = JobId.parse("3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b");
        JobStartException e = JobStartException.cannotStart(id, "python3", "mount proc on /proc: EPERM", "mount", "EPERM",
                null);
        assertThat(e.getMessage()).isEqualTo("cannot start job 3f2a0c1e \"python3\": mount proc on /proc: EPERM");
        assertThat(e.step()).isEqualTo("mount");
        assertThat(e.errnoName()).isEqualTo("EPERM");
        assertThat(e.isCommandNotFound()).isFalse();
        assertThat(JobStartException.cannotStart(null, "python3", "interrupted", "interrupted", "EINTR", null)
                .getMessage()).isEqualTo("cannot start job \"python3\": interrupted");
        assertThat(JobStartException.cannotStart(id, null, "no spill", "logSpill", null, null).getMessage())
                .isEqualTo("cannot start job 3f2a0c1e: no spill");
    }
}
