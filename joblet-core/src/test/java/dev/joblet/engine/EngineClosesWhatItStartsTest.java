package dev.joblet.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.HostTraces;
import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.Joblet;
import dev.joblet.Workspace;
import dev.joblet.testing.NeedsRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine closes what it starts: the jobs it launched, finished or running, with their retained workspaces and
 * log spills, are gone when {@link JobEngine#close()} returns, and a job the registry forgets is closed then. A
 * handle, its job and its result carry one id.
 */
@NeedsRoot("for namespaces and cgroups")
class EngineClosesWhatItStartsTest {

    @Test
    void aHandleItsJobAndItsResultShareOneId() throws Exception {
        try (JobEngine engine = JobEngine.builder().build()) {
            JobHandle h = engine.submit(Joblet.builder().command("true").build());
            JobResult r = h.result().get(60, TimeUnit.SECONDS);
            assertThat(h.job().orElseThrow().id()).isEqualTo(h.id());
            assertThat(r.jobId()).isEqualTo(h.id());
            assertThat(engine.get(r.jobId().toString())).isSameAs(h);
            assertThat(engine.find(r.jobId())).containsSame(h);
        }
    }

    @Test
    void closeEndsAndRemovesEveryJobsWorkspaceAndSpill(@TempDir Path spill) throws Exception {
        List<JobHandle> hs = new ArrayList<>();
        List<Workspace> workspaces = new ArrayList<>();
        try (JobEngine engine = JobEngine.builder().build()) {
            for (int i = 0; i < 3; i++) { // finished: kept readable until the engine closes
                hs.add(engine.submit(Joblet.builder().retainWorkspace(true).logSpill(spill)
                        .command("sh", "-c", "echo " + i + " > /work/out; seq 1 1000").build()));
            }
            for (int i = 0; i < 3; i++) { // still running at close
                hs.add(engine.submit(Joblet.builder().retainWorkspace(true).logSpill(spill).stopGrace(Duration.ZERO)
                        .command("sh", "-c", "echo started; sleep 600").build()));
            }
            for (int i = 0; i < 3; i++) {
                assertThat(hs.get(i).result().get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
                Workspace ws = hs.get(i).job().orElseThrow().workspace().orElseThrow();
                assertThat(new String(ws.read("out"), StandardCharsets.UTF_8)).isEqualTo(i + "\n");
                workspaces.add(ws);
            }
            for (int i = 3; i < 6; i++) {
                JobHandle h = hs.get(i);
                for (int k = 0; k < 6_000 && h.job().map(j -> !j.stdout().text().contains("started")).orElse(true); k++) {
                    Thread.sleep(10);
                }
                assertThat(h.state()).isEqualTo(JobState.RUNNING);
            }
            assertThat(HostTraces.unnamedFilesIn(spill)).as("spill files while the jobs are open").hasSize(3 * 6);
        }
        for (JobHandle h : hs) {
            Job job = h.job().orElseThrow();
            assertThat(job.isAlive()).isFalse();
            assertThat(h.result().get().jobId()).isEqualTo(h.id()).isEqualTo(job.id());
        }
        for (Workspace ws : workspaces) {
            assertThatThrownBy(() -> ws.read("out")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the job was closed");
        }
        assertThat(HostTraces.unnamedFilesIn(spill)).as("spill files after the engine closed").isEmpty();
        try (Stream<Path> s = Files.list(spill)) {
            assertThat(s).isEmpty();
        }
        assertThat(HostTraces.cgroupsNamed(hs.stream().map(h -> h.id().toString()).collect(java.util.stream.Collectors.toSet())))
                .isEmpty();
    }

    @Test
    void aJobTheRegistryForgetsIsClosed(@TempDir Path spill) throws Exception {
        try (JobEngine engine = JobEngine.builder().retainFinished(1).build()) {
            JobHandle first = engine.submit(Joblet.builder().logSpill(spill).retainWorkspace(true).command("true").build());
            first.result().get(60, TimeUnit.SECONDS);
            Workspace ws = first.job().orElseThrow().workspace().orElseThrow();
            JobHandle second = engine.submit(Joblet.builder().command("true").build());
            second.result().get(60, TimeUnit.SECONDS); // the first is forgotten now, and closed
            for (int k = 0; k < 3_000 && !HostTraces.unnamedFilesIn(spill).isEmpty(); k++) {
                Thread.sleep(10); // closed on a launch thread, off the path that completes results
            }
            assertThat(HostTraces.unnamedFilesIn(spill)).isEmpty();
            assertThatThrownBy(() -> ws.read("x")).isInstanceOf(IllegalStateException.class);
            assertThat(engine.find(first.id())).isEmpty();
        }
    }
}
