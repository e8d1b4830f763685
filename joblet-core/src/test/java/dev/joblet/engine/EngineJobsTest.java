package dev.joblet.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.CpuSet;
import dev.joblet.EndReason;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** The engine with real jobs: limits observed, priorities, pinning seen inside the job, cancel and close. */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and cgroups")
class EngineJobsTest {
    /** This class's own instance (the engines are given it): its pools and jobs end with it. */
    private final dev.joblet.Joblet joblet = dev.joblet.Joblet.create();

    @org.junit.jupiter.api.AfterEach
    void closeJoblet() {
        joblet.close();
    }


    private static JobResult result(JobHandle h) throws Exception {
        return h.result().get(60, TimeUnit.SECONDS);
    }

    private static JobSpec sh(String script) {
        return Joblet.builder().command("sh", "-c", script).stopGrace(Duration.ZERO).build();
    }

    @Test
    void concurrencyCapIsObservedWithRealJobs() throws Exception {
        // Measured on the jobs themselves: at no instant do more than 2 of them run (listeners of different jobs
        // may be delivered in either order, so their interleaving is not a measure).
        List<JobHandle> hs = new ArrayList<>();
        List<JobResult> results = new ArrayList<>();
        try (JobEngine engine = JobEngine.builder().joblet(joblet).policy(StandardPolicy.builder().maxConcurrent(2).build()).build()) {
            for (int i = 0; i < 6; i++) {
                hs.add(engine.submit(sh("sleep 1; echo $((1+" + i + "))")));
            }
            for (int i = 0; i < 6; i++) {
                JobResult r = result(hs.get(i));
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
                assertThat(hs.get(i).job().orElseThrow().stdout().text()).isEqualTo((i + 1) + "\n");
                results.add(r);
            }
        }
        int max = 0;
        for (JobResult a : results) {
            int overlapping = 0;
            for (JobResult b : results) {
                if (!b.startedAt().isAfter(a.startedAt()) && b.endedAt().isAfter(a.startedAt())) {
                    overlapping++; // b was running when a started
                }
            }
            max = Math.max(max, overlapping);
        }
        assertThat(max).as("jobs running at once").isEqualTo(2);
    }

    @Test
    void prioritiesOrderRealStarts() throws Exception {
        List<String> started = Collections.synchronizedList(new ArrayList<>());
        try (JobEngine engine = JobEngine.builder().joblet(joblet).policy(StandardPolicy.builder().maxConcurrent(1).build())
                .listener((h, from, to) -> {
                    if (to == JobState.RUNNING) {
                        started.add(h.spec().command().get(2));
                    }
                }).build()) {
            JobHandle blocker = engine.submit(sh("sleep 30"));
            JobHandle low = engine.submit(sh("echo low"), SubmitOptions.defaults().priority(-5));
            JobHandle high = engine.submit(sh("echo high"), SubmitOptions.defaults().priority(5));
            JobHandle mid = engine.submit(sh("echo mid"));
            assertThat(blocker.cancel()).isFalse(); // running: stopped
            assertThat(result(blocker).reason()).isEqualTo(EndReason.STOPPED);
            for (JobHandle h : List.of(low, high, mid)) {
                assertThat(result(h).isSuccess()).isTrue();
            }
        }
        assertThat(started).containsExactly("sleep 30", "echo high", "echo mid", "echo low");
    }

    @Test
    void exclusiveCoresAreVisibleInsideTheJob() throws Exception {
        CpuSet pool = dev.joblet.internal.HostFacts.allowedCpus();
        int n = Math.min(2, pool.size());
        try (JobEngine engine = JobEngine.builder().joblet(joblet).corePool(pool).build()) {
            List<JobHandle> hs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                hs.add(engine.submit(sh("grep Cpus_allowed_list /proc/self/status; sleep 1"),
                        SubmitOptions.defaults().cores(1)));
            }
            List<String> seen = new ArrayList<>();
            for (JobHandle h : hs) {
                assertThat(result(h).isSuccess()).isTrue();
                CpuSet mine = h.status().cores();
                assertThat(mine).isNotNull();
                assertThat(h.job().orElseThrow().stdout().text()).isEqualTo("Cpus_allowed_list:\t" + mine + "\n");
                seen.add(mine.toString());
            }
            assertThat(seen).doesNotHaveDuplicates();
        }
    }

    @Test
    void cancellingAQueuedJobIsImmediateAndCloseStopsTheRest() throws Exception {
        JobHandle blocker;
        JobHandle queued;
        JobHandle scheduled;
        JobEngine engine = JobEngine.builder().joblet(joblet).policy(StandardPolicy.builder().maxConcurrent(1).build()).build();
        try {
            blocker = engine.submit(sh("sleep 30"));
            queued = engine.submit(sh("echo never"));
            scheduled = engine.submit(sh("echo never"), SubmitOptions.defaults().startAfter(Duration.ofHours(1)));
            assertThat(queued.cancel()).isTrue();
            assertThat(queued.state()).isEqualTo(JobState.CANCELLED);
            assertThat(queued.result()).isCompletedExceptionally();
        } finally {
            engine.close();
        }
        assertThat(result(blocker).reason()).isEqualTo(EndReason.STOPPED);
        assertThat(scheduled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(queued.job()).isEmpty();
        joblet.close(); // its prepared supervisors are children of the JVM too
        dev.joblet.HostTraces.drainSystemPools();
        assertThat(ProcessHandle.current().children().collect(Collectors.toList())).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive() && t.getName().startsWith("joblet-engine-"));
    }

    @Test
    void drainingCloseLetsRunningJobsFinish() throws Exception {
        JobHandle h;
        try (JobEngine engine = JobEngine.builder().joblet(joblet).onClose(JobEngine.OnClose.DRAIN).build()) {
            h = engine.submit(sh("sleep 1; echo done"));
            while (h.state() != JobState.RUNNING) {
                Thread.onSpinWait(); // wait for the launch, so that close drains rather than cancels
                if (h.state().isTerminal()) {
                    break;
                }
            }
        }
        assertThat(h.state()).isEqualTo(JobState.FINISHED);
        assertThat(result(h).isSuccess()).isTrue();
        assertThat(h.job().orElseThrow().stdout().text()).isEqualTo("done\n");
    }
}
