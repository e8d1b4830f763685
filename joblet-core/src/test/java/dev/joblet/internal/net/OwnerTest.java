package dev.joblet.internal.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

/** Each owner (one Joblet's network host) has a tag of its own; the sweep still reads names of the older form. */
class OwnerTest {
    @Test
    void twoOwnersOfOneJvmHaveDifferentTagsAndTheSameLiveness() {
        Owner a = Owner.self();
        Owner b = Owner.self();
        assertThat(a.tag()).matches(ProcessHandle.current().pid() + "_\\d+_[0-9a-f]{8}").isNotEqualTo(b.tag());
        assertThat(a.alias()).isEqualTo("joblet:" + a.tag().replace('_', ':'));
        assertThat(a.isDead()).isFalse();
        assertThat(Owner.parse(a.tag())).hasValue(a);
        assertThat(Owner.parse(a.alias().substring("joblet:".length()))).hasValue(a);
    }

    @Test
    void namesWithoutAnInstancePartStillParse() {
        assertThat(Owner.parse("4000000000_1")).hasValue(new Owner(4_000_000_000L, 1, ""));
        assertThat(Owner.parse("4000000000:1")).hasValue(new Owner(4_000_000_000L, 1, ""));
        assertThat(new Owner(4_000_000_000L, 1, "").tag()).isEqualTo("4000000000_1");
        assertThat(Owner.parse("4000000000_1_0badcafe").orElseThrow().isDead()).isTrue();
        assertThat(Owner.parse("4000000000_1:0badcafe")).as("one separator throughout").isEmpty();
        assertThat(Owner.parse("4000000000_1_xyz")).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> new Owner(1, 2, "XYZ"))
                .withMessageContaining("owner instance (XYZ)");
    }
}
