package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code rnx volume create|list|remove} over the library's managed volumes, as a user runs them. */
@NeedsRoot("for loop-mounting the volume's image and running jobs")
class RnxVolumeTest {

    @Test
    void aCreatedVolumeIsEnforcedListedAndRemovedWithNothingLeft() throws Exception {
        String name = "rnxvt" + ProcessHandle.current().pid();
        Captured created = rnx("volume", "create", name, "--size=8m");
        assertThat(created.status).as(created.toString()).isZero();
        try {
            assertThat(rnx("volume", "create", name, "--size=8m").status).as("a second create").isEqualTo(5);

            Captured job = rnx("job", "run", "--volume=" + name, "--", "sh", "-c",
                    "dd if=/dev/zero of=/volumes/" + name + "/big bs=1M count=20; echo rc=$?; ls -l /volumes/" + name);
            assertThat(job.out() + job.err()).as(job.toString()).contains("No space left on device").contains("rc=1");

            Captured list = rnx("volume", "list", "--json");
            assertThat(list.status).as(list.toString()).isZero();
            String line = list.out().lines().filter(l -> l.contains("\"name\":\"" + name + "\"")).findFirst().orElseThrow();
            assertThat(line).contains("\"type\":\"filesystem\"").contains("\"sizeBytes\":8388608").contains("\"jobs\":[]");
            long used = Long.parseLong(line.replaceAll(".*\"usedBytes\":(\\d+).*", "$1"));
            assertThat(used).as("the job's bytes are on it, at most its size").isGreaterThan(4L << 20).isLessThanOrEqualTo(8L << 20);
            assertThat(rnx("volume", "list").out()).contains(name).contains("filesystem").contains("8 MiB");
        } finally {
            Captured removed = rnx("volume", "remove", name);
            assertThat(removed.status).as(removed.toString()).isZero();
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("/" + name + " ");
        Process losetup = new ProcessBuilder("losetup", "-a").redirectErrorStream(true).start();
        assertThat(new String(losetup.getInputStream().readAllBytes())).doesNotContain(name + ".img");
        assertThat(losetup.waitFor()).isZero();
        assertThat(Path.of("/var/lib/joblet/volumes/.managed/" + name + ".img")).doesNotExist();
        assertThat(Path.of("/var/lib/joblet/volumes/" + name)).doesNotExist();
        Captured gone = rnx("volume", "remove", name);
        assertThat(gone.status).isEqualTo(3);
        assertThat(gone.err()).contains(name).contains("does not exist");
    }
}
