package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scheduled detached job waits in its supervisor; cancel ends the wait and leaves only its record. */
@NeedsRoot("for detached jobs' cgroups")
class DetachedScheduleTest {
    @TempDir
    Path state;
    private Joblet joblet;

    @BeforeEach
    void open() {
        joblet = Joblet.create(JobletConfig.builder().stateRoot(state).build());
    }

    @AfterEach
    void close() throws Exception {
        for (DetachedJob j : joblet.jobs()) {
            j.delete(true);
        }
        joblet.close();
    }

    @Test
    void aScheduledJobStartsAtItsTimeAndIsScheduledUntilThen() throws Exception {
        Instant at = Instant.now().plusSeconds(2);
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sh", "-c", "echo later").build(),
                DetachOptions.DEFAULT.withStartAt(at));
        DetachedStatus s = job.status();
        assertThat(s.state()).as(s.toString()).isEqualTo(DetachedStatus.State.SCHEDULED);
        assertThat(s.scheduledFor()).isPresent();
        assertThatThrownBy(() -> job.stop(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cancel it instead");
        DetachedStatus end = job.await(Duration.ofSeconds(60));
        assertThat(end.state()).as(end.toString()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(end.exitCode()).isZero();
        assertThat(end.started()).isAfterOrEqualTo(at.minusMillis(50));
        List<DetachedLog.Entry> all = new ArrayList<>();
        job.follow(0, all::add);
        assertThat(DetachedJobTest.text(all, DetachedLog.Stream.STDOUT)).isEqualTo("later\n");
        assertThatThrownBy(job::cancel).isInstanceOf(IllegalStateException.class).hasMessageContaining("not scheduled");
    }

    @Test
    void cancelEndsTheWaitingSupervisorAndLeavesOnlyTheRecord() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder().command("sh", "-c", "echo never").memory(
                MemorySize.ofMegabytes(64)).build(), DetachOptions.DEFAULT.withStartAt(Instant.now().plusSeconds(600)));
        DetachedStatus s = job.status();
        assertThat(s.state()).isEqualTo(DetachedStatus.State.SCHEDULED);
        List<String> cgroups = Files.readAllLines(job.directory().resolve("job")).stream()
                .filter(l -> l.startsWith("cgroup.") && !l.startsWith("cgroup.count")).map(l -> l.substring(
                        l.indexOf('=') + 1).replace("\\:", ":")).toList();
        assertThat(cgroups).isNotEmpty().allMatch(c -> Files.isDirectory(Path.of(c)));
        DetachedStatus c = job.cancel();
        assertThat(c.state()).isEqualTo(DetachedStatus.State.CANCELLED);
        long until = System.nanoTime() + 5_000_000_000L;
        while (dev.joblet.namespaces.DetachedSupervisors.alive(s.supervisorPid(),
                dev.joblet.namespaces.DetachedSupervisors.startTime(s.supervisorPid())) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(dev.joblet.namespaces.DetachedSupervisors.alive(s.supervisorPid(),
                dev.joblet.namespaces.DetachedSupervisors.startTime(s.supervisorPid()))).as("supervisor gone").isFalse();
        assertThat(cgroups).noneMatch(d -> Files.exists(Path.of(d)));
        assertThat(job.log().read(0, 1 << 20)).isEmpty();
        assertThatThrownBy(job::cancel).isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled");
        job.delete(false);
        assertThat(job.directory()).doesNotExist();
    }
}
