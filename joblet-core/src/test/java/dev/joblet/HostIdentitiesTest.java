package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The allocator of per-job host identities, on a directory of its own (no root needed). */
class HostIdentitiesTest {
    @TempDir
    Path dir;

    private HostIdentities allocator(int first, int count) {
        return allocator(first, count, HostIdentities.RANGE_SETTING);
    }

    private HostIdentities allocator(int first, int count, String rangeSetting) {
        return new HostIdentities(first, count, dir.resolve("ids"), rangeSetting, List.of(), List.of(), null);
    }

    @Test
    void eachLeaseIsADifferentIdUntilItIsClosedAndAReleasedIdComesBackLast() throws IOException {
        HostIdentities ids = allocator(200_000, 3);
        try (HostIdentities.Lease a = ids.allocate(); HostIdentities.Lease b = ids.allocate()) {
            assertThat(a.uid()).isEqualTo(200_000).isEqualTo(a.gid());
            assertThat(b.uid()).isEqualTo(200_001);
            assertThat(ids.holds(a.uid())).isTrue();
            assertThat(ids.available()).isEqualTo(1);
            a.close();
            assertThat(ids.holds(200_000)).isFalse();
            assertThat(Files.exists(a.passwd())).as("the job-local passwd goes with the lease").isFalse();
            try (HostIdentities.Lease c = ids.allocate()) {
                assertThat(c.uid()).as("round robin: the id never handed out comes before the one just released")
                        .isEqualTo(200_002);
                try (HostIdentities.Lease d = ids.allocate()) {
                    assertThat(d.uid()).as("released, so reusable once the others are taken").isEqualTo(200_000);
                }
            }
            a.close(); // idempotent: it must not free the id a second holder took meanwhile
        }
        assertThat(ids.available()).isEqualTo(3);
    }

    @Test
    void exhaustionIsAClearErrorNamingTheRangeAndTheWayOut() throws IOException {
        HostIdentities ids = allocator(200_000, 2);
        try (HostIdentities.Lease a = ids.allocate(); HostIdentities.Lease b = ids.allocate()) {
            assertThatThrownBy(ids::allocate).isInstanceOf(IOException.class)
                    .hasMessageContaining("no host identity left")
                    .hasMessageContaining("all 2 ids of the range 200000-200001 are in use")
                    .hasMessageContaining("widen the range with JobletConfig.Builder.identityRange(FIRST, LAST)")
                    .hasMessageNotContaining("-Djoblet.idRange").hasMessageContaining("user(uid, gid)");
        }
    }

    @Test
    void exhaustionOfTheSystemInstancesRangeNamesItsSystemProperty() throws IOException {
        // Joblet.system()'s config comes from the system properties: that is where its range is set.
        HostIdentities ids = allocator(200_000, 1, HostIdentities.SYSTEM_RANGE_SETTING);
        try (HostIdentities.Lease a = ids.allocate()) {
            assertThatThrownBy(ids::allocate).isInstanceOf(IOException.class)
                    .hasMessageContaining("widen the range with -Djoblet.idRange=FIRST-LAST, or pin");
        }
    }

    @Test
    void twoAllocatorsOnOneHostNeverHandOutTheSameIdAtTheSameTime() throws IOException {
        // As two JVMs would: each holds its ids by a flock of its own on the shared directory.
        HostIdentities one = allocator(200_000, 2);
        HostIdentities two = allocator(200_000, 2);
        try (HostIdentities.Lease a = one.allocate(); HostIdentities.Lease b = two.allocate()) {
            assertThat(b.uid()).isNotEqualTo(a.uid());
            assertThatThrownBy(two::allocate).hasMessageContaining("no host identity left");
            a.close();
            try (HostIdentities.Lease c = two.allocate()) {
                assertThat(c.uid()).isEqualTo(a.uid());
            }
        }
    }

    @Test
    void idsTheHostUsesAreNeverHandedOut() throws IOException {
        Path passwd = Files.writeString(dir.resolve("passwd"), "svc:x:200000:200001::/:/bin/false\n");
        Path subuid = Files.writeString(dir.resolve("subuid"), "alice:200002:2\n");
        HostIdentities ids = new HostIdentities(200_000, 6, dir.resolve("ids"), HostIdentities.RANGE_SETTING, List.of(passwd), List.of(subuid), null);
        assertThat(ids.available()).isEqualTo(2);
        try (HostIdentities.Lease a = ids.allocate(); HostIdentities.Lease b = ids.allocate()) {
            assertThat(List.of(a.uid(), b.uid())).containsExactly(200_004, 200_005);
        }
    }

    @Test
    void theJobLocalPasswdAndGroupNameTheJobsUser() throws IOException {
        try (HostIdentities.Lease a = allocator(200_000, 1).allocate()) {
            assertThat(Files.readString(a.passwd())).contains("job:x:200000:200000:job:/work:/bin/sh\n")
                    .contains("root:x:0:0:").contains("nobody:x:65534:65534:");
            assertThat(Files.readString(a.group())).contains("job:x:200000:\n");
        }
    }

    @Test
    void aRangeThatCannotWorkIsRefused() {
        assertThatThrownBy(() -> allocator(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity range (0, 10 ids)");
        assertThatThrownBy(() -> allocator(Integer.MAX_VALUE, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
