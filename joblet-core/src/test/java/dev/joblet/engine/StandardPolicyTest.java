package dev.joblet.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The default policy's rules, observed through an engine with a fake clock and launcher. */
class StandardPolicyTest {
    private final FakeClock clock = new FakeClock();
    private final FakeLauncher launcher = new FakeLauncher();
    private final List<JobEngine> engines = new ArrayList<>();

    private JobEngine engine(StandardPolicy.Builder policy) {
        JobEngine e = JobEngine.builder().policy(policy.build()).clock(clock).launcher(launcher)
                .launchExecutor(Runnable::run).build();
        engines.add(e);
        return e;
    }

    @AfterEach
    void close() {
        engines.forEach(JobEngine::close);
        assertThat(launcher.violations()).isEmpty();
    }

    private static SubmitOptions prio(int p) {
        return SubmitOptions.defaults().priority(p);
    }

    @Test
    void higherPriorityFirstAndFifoWithinAPriority() {
        JobEngine e = engine(StandardPolicy.builder().maxConcurrent(1));
        JobSpec s = JobEngineTest.spec("x");
        JobHandle blocker = e.submit(s);
        JobHandle low = e.submit(s, prio(-1));
        JobHandle high1 = e.submit(s, prio(5));
        JobHandle mid = e.submit(s, prio(1));
        JobHandle high2 = e.submit(s, prio(5));
        for (JobHandle h : List.of(blocker, high1, high2, mid, low)) {
            assertThat(h.state()).isEqualTo(JobState.RUNNING);
            launcher.finish(h);
        }
        assertThat(launcher.launchedIds()).containsExactly(blocker.id(), high1.id(), high2.id(), mid.id(), low.id());
    }

    @Test
    void agingLetsALowPriorityJobOvertakeAStreamOfHigherOnes() {
        JobEngine e = engine(StandardPolicy.builder().maxConcurrent(1).agingStep(Duration.ofMinutes(1)));
        JobSpec s = JobEngineTest.spec("x");
        JobHandle running = e.submit(s);
        JobHandle low = e.submit(s, prio(0));
        int minutes = 0;
        // every minute a new priority-2 job arrives and the running one ends
        while (low.state() == JobState.QUEUED) {
            assertThat(minutes).as("low-priority job starved").isLessThan(10);
            clock.advance(Duration.ofMinutes(1));
            minutes++;
            e.submit(s, prio(2));
            launcher.finish(running);
            running = e.list().stream().filter(h -> h.state() == JobState.RUNNING).findFirst().orElseThrow();
        }
        // minute 1: 0 + 1 < 2, the new job wins; minute 2: 0 + 2 = 2, and the low job has waited longer
        assertThat(minutes).isEqualTo(2);
        assertThat(running).isSameAs(low);
    }

    @Test
    void withoutAgingALowPriorityJobWaitsBehindEveryHigherOne() {
        JobEngine e = engine(StandardPolicy.builder().maxConcurrent(1).agingStep(Duration.ZERO));
        JobSpec s = JobEngineTest.spec("x");
        JobHandle running = e.submit(s);
        JobHandle low = e.submit(s, prio(0));
        for (int minute = 1; minute <= 10; minute++) {
            clock.advance(Duration.ofMinutes(1));
            e.submit(s, prio(2));
            launcher.finish(running);
            running = e.list().stream().filter(h -> h.state() == JobState.RUNNING).findFirst().orElseThrow();
            assertThat(running).isNotSameAs(low);
        }
        assertThat(low.state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void memoryBudgetAdmitsOnlyWhatFits() {
        JobEngine e = engine(StandardPolicy.builder().maxConcurrent(10).memoryBudget(MemorySize.ofMegabytes(512)));
        JobSpec m256 = Joblet.builder().command("true").memory(MemorySize.ofMegabytes(256)).build();
        JobHandle a = e.submit(m256);
        JobHandle b = e.submit(m256);
        JobHandle c = e.submit(m256);
        assertThat(c.state()).isEqualTo(JobState.QUEUED);
        launcher.finish(a);
        assertThat(c.state()).isEqualTo(JobState.RUNNING);
        assertThat(b.state()).isEqualTo(JobState.RUNNING);
        assertThatThrownBy(() -> e.submit(Joblet.builder().command("true").noMemoryLimit().build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory (none: noMemoryLimit()) must be set");
        assertThatThrownBy(() -> e.submit(Joblet.builder().command("true").memory(MemorySize.ofGigabytes(1)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds the engine's memory budget");
    }

    @Test
    void badConfigurationIsRejected() {
        assertThatThrownBy(() -> StandardPolicy.builder().maxConcurrent(0)).hasMessageContaining("maxConcurrent (0)");
        assertThatThrownBy(() -> StandardPolicy.builder().agingStep(Duration.ofSeconds(-1)))
                .hasMessageContaining("agingStep (PT-1S)");
    }
}
