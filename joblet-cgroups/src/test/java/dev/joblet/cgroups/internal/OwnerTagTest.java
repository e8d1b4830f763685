package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnerTagTest {

    @Test
    void nameRoundTrips() {
        OwnerTag tag = new OwnerTag(4711, 123456, 4026531836L);
        assertThat(tag.dirName()).isEqualTo("jvm-4711-123456-4026531836");
        assertThat(OwnerTag.parse(tag.dirName())).hasValue(tag);
        assertThat(OwnerTag.parse("jvm-1-2")).isEmpty();
        assertThat(OwnerTag.parse("joblet-jvm")).isEmpty();
    }

    @Test
    void aDriversNameIsTheOwnersWithASuffixOfItsOwn() {
        OwnerTag tag = new OwnerTag(4711, 123456, 4026531836L);
        String a = tag.driverDirName();
        assertThat(a).matches("jvm-4711-123456-4026531836-[0-9a-f]{8}");
        assertThat(OwnerTag.parse(a)).as("swept as the same owner's").hasValue(tag);
        assertThat(OwnerTag.parse(tag.dirName() + "-xyz")).isEmpty();
        assertThat(OwnerTag.parse(tag.dirName() + "-0123456789")).isEmpty();
    }

    @Test
    void deadWhenThePidIsGoneOrReused() {
        FakeProcessTable table = new FakeProcessTable(1, 1, 77);
        table.startTimes.put(4711L, 500L);
        assertThat(new OwnerTag(4711, 500, 77).isDead(table)).isFalse();
        assertThat(new OwnerTag(4711, 499, 77).isDead(table)).as("pid reused").isTrue();
        assertThat(new OwnerTag(4712, 500, 77).isDead(table)).as("pid gone").isTrue();
    }

    @Test
    void anotherPidNamespaceIsNeverJudged() {
        FakeProcessTable table = new FakeProcessTable(1, 1, 77);
        assertThat(new OwnerTag(4712, 500, 78).isDead(table)).isFalse();
    }
}
