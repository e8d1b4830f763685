package dev.joblet.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.EndReason;
import dev.joblet.JobId;
import dev.joblet.JobResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many threads at once, the engine's own launch threads, a fake launcher: no job lost, started twice or sharing a core. */
class EngineConcurrencyTest {

    private static Set<String> engineThreads() {
        Set<String> names = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("joblet-engine-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void manyConcurrentSubmittersLoseNoJobAndStartNoneTwice() throws Exception {
        FakeLauncher launcher = new FakeLauncher();
        launcher.finishAtOnce = true;
        List<JobHandle> all = new ArrayList<>();
        try (JobEngine engine = JobEngine.builder().policy(StandardPolicy.builder().maxConcurrent(3).build())
                .clock(new FakeClock()).launcher(launcher).launchThreads(4).build()) {
            ExecutorService submitters = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<JobHandle>>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                fs.add(submitters.submit(() -> {
                    go.await();
                    List<JobHandle> mine = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                        SubmitOptions o = SubmitOptions.defaults().priority(i % 3).cores((i + thread) % 4 == 0 ? 1 : 0);
                        mine.add(engine.submit(JobEngineTest.spec("j"), o));
                    }
                    return mine;
                }));
            }
            go.countDown();
            for (Future<List<JobHandle>> f : fs) {
                all.addAll(f.get());
            }
            submitters.shutdown();
            for (JobHandle h : all) {
                assertThat(h.result().get().reason()).isEqualTo(EndReason.EXITED);
            }
        }
        assertThat(all).hasSize(3200).allMatch(h -> h.state() == JobState.FINISHED);
        assertThat(launcher.launchedIds()).hasSize(3200).doesNotHaveDuplicates();
        assertThat(launcher.violations()).isEmpty();
        assertThat(launcher.maxRunning()).isLessThanOrEqualTo(3);
        assertThat(engineThreads()).isEmpty();
    }

    @Test
    void cancellingWhileJobsStartCancelsOrRunsEachJobExactlyOnce() throws Exception {
        FakeLauncher launcher = new FakeLauncher();
        List<JobHandle> all = new ArrayList<>();
        ExecutorService finisher = Executors.newSingleThreadExecutor();
        try (JobEngine engine = JobEngine.builder().policy(StandardPolicy.builder().maxConcurrent(2).build())
                .clock(new FakeClock()).launcher(launcher).corePool(dev.joblet.CpuSet.parse("0-1")).build()) {
            for (int i = 0; i < 1000; i++) {
                all.add(engine.submit(JobEngineTest.spec("j"), SubmitOptions.defaults().cores(i % 2)));
            }
            // one thread ends running jobs as they appear while another cancels every job, back to front
            CompletableFuture<Void> ending = CompletableFuture.runAsync(() -> {
                int done = 0;
                while (done < all.size()) {
                    done = 0;
                    for (JobHandle h : all) {
                        FakeLauncher.FakeJob j = launcher.jobs.get(h.id());
                        if (j != null) {
                            j.end(EndReason.EXITED, 0);
                        }
                        if (h.state().isTerminal()) {
                            done++;
                        }
                    }
                }
            }, finisher);
            for (int i = all.size() - 1; i >= 0; i--) {
                all.get(i).cancel();
            }
            ending.get(5, TimeUnit.MINUTES);
        } finally {
            finisher.shutdownNow();
        }
        Set<JobId> launched = new HashSet<>(launcher.launchedIds());
        assertThat(launcher.launchedIds()).doesNotHaveDuplicates();
        for (JobHandle h : all) {
            JobState s = h.state();
            assertThat(s).isIn(JobState.FINISHED, JobState.CANCELLED);
            assertThat(launched.contains(h.id())).as(h + " launched").isEqualTo(s == JobState.FINISHED);
            if (s == JobState.CANCELLED) {
                assertThat(h.result()).isCompletedExceptionally();
            } else {
                JobResult r = resultOf(h);
                assertThat(r.reason()).isIn(EndReason.EXITED, EndReason.STOPPED);
            }
        }
        assertThat(launcher.violations()).isEmpty();
        assertThat(launcher.maxRunning()).isLessThanOrEqualTo(2);
        assertThat(engineThreads()).isEmpty();
    }

    private static JobResult resultOf(JobHandle h) throws InterruptedException {
        try {
            return h.result().get();
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }
}
