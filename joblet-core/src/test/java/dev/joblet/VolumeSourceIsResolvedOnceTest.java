package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume binds what the operator named, whatever a job did to the tree: the helper resolves the source once, with
 * no link allowed in any component (a link as the source itself is refused by the JVM and, should one appear after
 * that check, recreated as a link inside the job, never followed), and binds from that descriptor. A rename race on
 * the path, 200 starts long, never binds the directory a link points to.
 */
@NeedsRoot("to run real jobs")
class VolumeSourceIsResolvedOnceTest {
    private static final int RACE_ROUNDS = 200;

    private static JobResult await(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    /** A directory outside what the operator names, readable by any job that got it bound. */
    private static Path secret(Path dir, String token) throws Exception {
        Path s = Files.createDirectories(dir.resolve("elsewhere/data"));
        Files.writeString(s.resolve("token.txt"), token);
        return dir.resolve("elsewhere");
    }

    @Test
    void aLinkAJobPlantedInAWritableVolumeChoosesNothingThatIsBoundLater(@TempDir Path dir) throws Exception {
        String token = "SECRET-" + UUID.randomUUID();
        Path elsewhere = secret(dir, token);
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (Job plant = Joblet.builder().volume(new Volume(shared, "/shared", true))
                .command("bash", "-c", "ln -s " + elsewhere + " /shared/sub && ln -s " + elsewhere.resolve("data") + " /shared/data")
                .start()) {
            assertThat(await(plant).exitCode()).as(plant.stderr().text()).hasValue(0);
        }
        // The operator mounts what the job left: a link in the path, or a link as the source, is refused by name.
        assertThatThrownBy(() -> Joblet.builder().volume(shared.resolve("sub/data"), "/in").command("cat", "/in/token.txt").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("volume source " + shared.resolve("sub/data") + " is reached through a symbolic link");
        assertThatThrownBy(() -> Joblet.builder().volume(shared.resolve("data"), "/in").command("cat", "/in/token.txt").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("volume source " + shared.resolve("data") + " is a symbolic link");
        // The real path works.
        try (Job job = Joblet.builder().volume(elsewhere.resolve("data"), "/in").command("cat", "/in/token.txt").start()) {
            await(job);
            assertThat(job.stdout().text()).isEqualTo(token);
        }
    }

    @Test
    void aRenameRaceOnTheSourcePathNeverBindsWhatALinkPointsTo(@TempDir Path dir) throws Exception {
        String token = "SECRET-" + UUID.randomUUID();
        Path elsewhere = secret(dir, token);
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path sub = Files.createDirectories(shared.resolve("sub/data"));
        Files.writeString(sub.resolve("token.txt"), "harmless");
        Path real = shared.resolve("sub"), parked = shared.resolve("parked");
        Path link = Files.createSymbolicLink(shared.resolve("link"), elsewhere);
        AtomicBoolean stop = new AtomicBoolean();
        Thread racer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(real, parked, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(link, real, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(real, link, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(parked, real, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "racer");
        racer.start();
        int bound = 0, refusedByTheJvm = 0, refusedByTheHelper = 0;
        try {
            for (int i = 0; i < RACE_ROUNDS; i++) {
                try (Job job = Joblet.builder().volume(shared.resolve("sub/data"), "/in")
                        .command("cat", "/in/token.txt").start()) {
                    await(job);
                    assertThat(job.stdout().text()).as("round %d", i).isEqualTo("harmless");
                    bound++;
                } catch (JobStartException e) {
                    assertThat(e.getMessage()).doesNotContain(token);
                    if (e.getMessage().startsWith("volume source")) {
                        refusedByTheJvm++;
                    } else {
                        // The path changed between the JVM's check and the helper's resolution: the helper refused it.
                        assertThat(e.getMessage()).as("round %d", i).containsAnyOf("ELOOP", "ENOENT");
                        refusedByTheHelper++;
                    }
                }
            }
        } finally {
            stop.set(true);
            racer.join();
        }
        assertThat(bound).as("bound %d, refused by the JVM %d, by the helper %d", bound, refusedByTheJvm,
                refusedByTheHelper).isPositive();
        assertThat(refusedByTheJvm + refusedByTheHelper).isPositive();
    }
}
