package dev.joblet.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.CpuSet;
import dev.joblet.EndReason;
import dev.joblet.JobSpec;
import dev.joblet.JobStartException;
import dev.joblet.Joblet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine's bookkeeping with a fake clock and a fake launcher: no root, no sleeping, launches on the caller. */
class JobEngineTest {
    private final FakeClock clock = new FakeClock();
    private final FakeLauncher launcher = new FakeLauncher();
    private final List<String> transitions = Collections.synchronizedList(new ArrayList<>());
    private JobEngine engine = engine(StandardPolicy.builder().maxConcurrent(2).build());

    private JobEngine engine(SchedulingPolicy policy) {
        return JobEngine.builder().policy(policy).clock(clock).launcher(launcher).launchExecutor(Runnable::run)
                .corePool(CpuSet.parse("0-1"))
                .listener((h, from, to) -> transitions.add(h.id().shortForm() + ":" + from + "->" + to)).build();
    }

    static JobSpec spec(String name) {
        return Joblet.builder().command("echo", name).build();
    }

    @AfterEach
    void close() {
        engine.close();
        assertThat(launcher.violations()).isEmpty();
    }

    @Test
    void concurrencyLimitHoldsAndWaitingJobsStartInSubmissionOrder() {
        List<JobHandle> hs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            hs.add(engine.submit(spec("j" + i)));
        }
        assertThat(launcher.launchedIds()).containsExactly(hs.get(0).id(), hs.get(1).id());
        assertThat(hs.get(0).state()).isEqualTo(JobState.RUNNING);
        assertThat(hs.get(2).state()).isEqualTo(JobState.QUEUED);
        launcher.finish(hs.get(1));
        assertThat(hs.get(1).state()).isEqualTo(JobState.FINISHED);
        assertThat(launcher.launchedIds()).containsExactly(hs.get(0).id(), hs.get(1).id(), hs.get(2).id());
        launcher.finish(hs.get(0));
        launcher.finish(hs.get(2));
        launcher.finish(hs.get(3));
        launcher.finish(hs.get(4));
        assertThat(launcher.launchedIds()).hasSize(5);
        assertThat(launcher.maxRunning()).isEqualTo(2);
        assertThat(hs).allMatch(h -> h.state() == JobState.FINISHED);
    }

    @Test
    void listenersSeeEveryChangeInOrder() throws Exception {
        JobHandle h = engine.submit(spec("a"));
        List<String> own = new ArrayList<>();
        h.addListener((j, from, to) -> own.add(from + "->" + to));
        launcher.finish(h);
        assertThat(transitions).containsExactly(h.id().shortForm() + ":QUEUED->STARTING", h.id().shortForm() + ":STARTING->RUNNING",
                h.id().shortForm() + ":RUNNING->FINISHED");
        assertThat(own).containsExactly("RUNNING->FINISHED");
        assertThat(h.result().get().isSuccess()).isTrue();
        assertThat(h.status().startedAt()).isNotNull();
    }

    @Test
    void delayedStartWaitsForTheClock() {
        JobHandle h = engine.submit(spec("later"), SubmitOptions.defaults().startAfter(Duration.ofMinutes(30)));
        assertThat(h.state()).isEqualTo(JobState.SCHEDULED);
        assertThat(h.status().notBefore()).isEqualTo(clock.now().plus(Duration.ofMinutes(30)));
        clock.advance(Duration.ofMinutes(29));
        assertThat(h.state()).isEqualTo(JobState.SCHEDULED);
        assertThat(launcher.launchedIds()).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        assertThat(h.state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aStartTimeInThePastMeansNow() {
        JobHandle h = engine.submit(spec("past"), SubmitOptions.defaults().startAt(clock.now().minusSeconds(3600)));
        assertThat(h.state()).isEqualTo(JobState.RUNNING);
        assertThat(h.status().notBefore()).isEqualTo(clock.now().minusSeconds(3600));
    }

    @Test
    void cancellingAQueuedOrScheduledJobIsImmediateAndFinal() {
        JobHandle a = engine.submit(spec("a"));
        JobHandle b = engine.submit(spec("b"));
        JobHandle queued = engine.submit(spec("queued"));
        JobHandle scheduled = engine.submit(spec("s"), SubmitOptions.defaults().startAfter(Duration.ofHours(1)));
        assertThat(clock.pendingTimers()).isEqualTo(1);
        assertThat(queued.cancel()).isTrue();
        assertThat(scheduled.cancel()).isTrue();
        assertThat(queued.state()).isEqualTo(JobState.CANCELLED);
        assertThat(scheduled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(clock.pendingTimers()).isZero();
        assertThat(queued.result()).isCompletedExceptionally();
        assertThatThrownBy(() -> queued.result().get()).hasCauseInstanceOf(CancellationException.class);
        assertThat(queued.cancel()).isFalse();
        launcher.finish(a);
        launcher.finish(b);
        clock.advance(Duration.ofHours(2));
        assertThat(launcher.launchedIds()).containsExactly(a.id(), b.id());
    }

    @Test
    void cancellingARunningJobStopsIt() throws Exception {
        JobHandle h = engine.submit(spec("a"));
        assertThat(h.cancel()).isFalse();
        assertThat(launcher.stops.get()).isEqualTo(1);
        assertThat(h.state()).isEqualTo(JobState.FINISHED);
        assertThat(h.result().get().reason()).isEqualTo(EndReason.STOPPED);
    }

    @Test
    void exclusiveCoresAreNeverSharedAndAreFreedAtTheEnd() {
        engine.close();
        engine = engine(StandardPolicy.builder().maxConcurrent(10).build());
        SubmitOptions one = SubmitOptions.defaults().cores(1);
        JobHandle a = engine.submit(spec("a"), one);
        JobHandle b = engine.submit(spec("b"), one);
        JobHandle c = engine.submit(spec("c"), one);
        JobHandle free = engine.submit(spec("d")); // behind c: no backfill
        assertThat(a.status().cores()).isEqualTo(CpuSet.parse("0"));
        assertThat(b.status().cores()).isEqualTo(CpuSet.parse("1"));
        assertThat(launcher.jobs.get(a.id()).spec.cpus()).contains(CpuSet.parse("0"));
        assertThat(c.state()).isEqualTo(JobState.QUEUED);
        assertThat(free.state()).isEqualTo(JobState.QUEUED);
        launcher.finish(b);
        assertThat(c.status().cores()).isEqualTo(CpuSet.parse("1"));
        assertThat(free.state()).isEqualTo(JobState.RUNNING);
        JobHandle both = engine.submit(spec("both"), SubmitOptions.defaults().cores(2));
        assertThat(both.state()).isEqualTo(JobState.QUEUED);
        launcher.finish(a);
        assertThat(both.state()).isEqualTo(JobState.QUEUED);
        launcher.finish(c);
        assertThat(both.status().cores()).isEqualTo(CpuSet.parse("0-1"));
    }

    @Test
    void badSubmissionsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> engine.submit(spec("x"), SubmitOptions.defaults().cores(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cores (3) exceeds the engine's core pool (0-1");
        JobSpec pinned = Joblet.builder().command("true").cpus("0").build();
        assertThatThrownBy(() -> engine.submit(pinned, SubmitOptions.defaults().cores(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cores (1) cannot be combined");
        assertThatThrownBy(() -> SubmitOptions.defaults().startAfter(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("startAfter (PT-1S)");
        assertThatThrownBy(() -> SubmitOptions.defaults().cores(-1)).hasMessageContaining("cores (-1)");
        assertThatThrownBy(() -> SubmitOptions.defaults().priority(5000)).hasMessageContaining("priority (5000)");
        assertThatThrownBy(() -> engine.get("nosuch")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("job (nosuch) is unknown");
        assertThat(engine.find("nosuch")).isEmpty();
    }

    @Test
    void explicitCpuListsAreRespectedAndHoldNoPoolCores() {
        JobHandle pinned = engine.submit(Joblet.builder().command("true").cpus("1").build());
        JobHandle excl = engine.submit(spec("e"), SubmitOptions.defaults().cores(1));
        assertThat(launcher.jobs.get(pinned.id()).spec.cpus()).contains(CpuSet.parse("1"));
        assertThat(pinned.status().cores()).isNull();
        assertThat(excl.status().cores()).isEqualTo(CpuSet.parse("0"));
    }

    @Test
    void registryFindsByIdAndPrefixAndRefusesAmbiguity() {
        engine.close();
        engine = JobEngine.builder().clock(clock).launcher(launcher).launchExecutor(Runnable::run).retainFinished(3)
                .build();
        List<JobHandle> hs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            hs.add(engine.submit(spec("j" + i)));
        }
        JobHandle h = hs.get(7);
        assertThat(engine.get(h.id())).isSameAs(h);
        assertThat(engine.get(h.id().shortForm())).isSameAs(h);
        Map<Character, Integer> firsts = new HashMap<>();
        hs.forEach(x -> firsts.merge(x.id().toString().charAt(0), 1, Integer::sum));
        char shared = firsts.entrySet().stream().filter(e -> e.getValue() > 1).findFirst().orElseThrow().getKey();
        assertThatThrownBy(() -> engine.get(String.valueOf(shared))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is ambiguous");
        assertThat(engine.list()).hasSize(40);
        hs.forEach(launcher::finish);
        // only the 3 most recently ended are retained
        assertThat(engine.list()).containsExactly(hs.get(37), hs.get(38), hs.get(39));
        assertThat(engine.find(hs.get(0).id())).isEmpty();
    }

    @Test
    void aJobThatCannotStartFailsAndFreesItsCores() {
        launcher.failNext = true;
        JobHandle h = engine.submit(spec("bad"), SubmitOptions.defaults().cores(2));
        assertThat(h.state()).isEqualTo(JobState.FAILED);
        assertThat(h.status().failure()).contains("fake failure");
        assertThatThrownBy(() -> h.result().get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(JobStartException.class);
        JobHandle next = engine.submit(spec("ok"), SubmitOptions.defaults().cores(2));
        assertThat(next.status().cores()).isEqualTo(CpuSet.parse("0-1"));
    }

    @Test
    void closeStopsRunningJobsCancelsWaitingOnesAndRefusesWork() throws Exception {
        JobHandle a = engine.submit(spec("a"));
        JobHandle b = engine.submit(spec("b"));
        JobHandle q = engine.submit(spec("q"));
        JobHandle s = engine.submit(spec("s"), SubmitOptions.defaults().startAfter(Duration.ofMinutes(1)));
        engine.close();
        assertThat(a.result().get().reason()).isEqualTo(EndReason.STOPPED);
        assertThat(b.result().get().reason()).isEqualTo(EndReason.STOPPED);
        assertThat(q.state()).isEqualTo(JobState.CANCELLED);
        assertThat(s.state()).isEqualTo(JobState.CANCELLED);
        assertThat(clock.pendingTimers()).isZero();
        assertThatThrownBy(() -> engine.submit(spec("late"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        engine.close(); // idempotent
    }

    @Test
    void drainingCloseLetsRunningJobsEndByThemselves() throws Exception {
        engine.close();
        engine = JobEngine.builder().policy(StandardPolicy.builder().maxConcurrent(1).build()).clock(clock)
                .launcher(launcher).launchExecutor(Runnable::run).onClose(JobEngine.OnClose.DRAIN).build();
        JobHandle a = engine.submit(spec("a"));
        JobHandle q = engine.submit(spec("q"));
        Thread closer = new Thread(engine::close);
        closer.start();
        q.result().handle((r, e) -> null).get(); // the queued job is cancelled by close
        assertThat(q.state()).isEqualTo(JobState.CANCELLED);
        launcher.finish(a);
        closer.join();
        assertThat(a.result().get().reason()).isEqualTo(EndReason.EXITED);
        assertThat(launcher.stops.get()).isZero();
    }

    @Test
    void anotherPolicyPlugsIn() {
        // last in, first out: shows the engine takes its decisions from the SPI
        SchedulingPolicy lifo = view -> view.running().isEmpty() && !view.waiting().isEmpty()
                ? Optional.of(SchedulingView.Placement.of(view.waiting().get(view.waiting().size() - 1)))
                : Optional.empty();
        engine.close();
        engine = engine(lifo);
        JobHandle a = engine.submit(spec("a"));
        JobHandle b = engine.submit(spec("b"));
        JobHandle c = engine.submit(spec("c"));
        launcher.finish(a);
        launcher.finish(c);
        assertThat(launcher.launchedIds()).containsExactly(a.id(), c.id(), b.id());
    }

    @Test
    void aPlacementThatBreaksTheAllocatorIsRefused() {
        SchedulingPolicy greedy = view -> view.waiting().isEmpty() ? Optional.empty()
                : Optional.of(SchedulingView.Placement.of(view.waiting().get(0), CpuSet.parse("0")));
        engine.close();
        engine = engine(greedy);
        JobHandle a = engine.submit(spec("a"), SubmitOptions.defaults().cores(1));
        JobHandle b = engine.submit(spec("b"), SubmitOptions.defaults().cores(1)); // core 0 is held by a
        JobHandle c = engine.submit(spec("c")); // asked for none, given one
        assertThat(a.state()).isEqualTo(JobState.RUNNING);
        assertThat(b.state()).isEqualTo(JobState.QUEUED);
        assertThat(c.state()).isEqualTo(JobState.QUEUED);
        launcher.finish(a);
        assertThat(b.state()).isEqualTo(JobState.RUNNING);
        assertThat(b.status().cores()).isEqualTo(CpuSet.parse("0"));
    }
}
