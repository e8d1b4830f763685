package dev.joblet.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.joblet.Job;
import dev.joblet.Joblet;
import dev.joblet.testing.NeedsRoot;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The extension's contract, checked by running small test classes through the JUnit engine: fixtures are
 * stopped with nothing left, readiness failures and crashes fail the test with the fixture's output, bad
 * declarations name the attribute.
 */
@NeedsRoot("for namespaces and cgroups")
class JobletExtensionTest {
    /** Fixtures the inner cases saw, to inspect after the engine finished them. */
    static final List<FixtureProcess> SEEN = new ArrayList<>();

    private static Events run(Class<?> testClass) {
        SEEN.clear();
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
    }

    private static String failureMessages(Events events) {
        return events.failed().stream()
                .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable()
                        .map(Throwable::getMessage).orElse(""))
                .collect(Collectors.joining("\n"));
    }

    static class StoppedAfterwards {
        @Test
        void usesAFixture(@JobletFixture(command = {"bash", "-c", "echo up; sleep 1000 & sleep 1000"}, readyLog = "^up$")
                FixtureProcess p) {
            SEEN.add(p);
            assertThat(p.isAlive()).isTrue();
            assertThat(p.readyGroup(0)).isEqualTo("up");
        }
    }

    @Test
    void fixtureIsStoppedAfterwardsAndNothingOfItRemains() {
        Events events = run(StoppedAfterwards.class);
        assertThat(failureMessages(events)).as("failures of the fixture's test").isEmpty();
        events.assertStatistics(s -> s.started(1).succeeded(1));
        FixtureProcess p = SEEN.get(0);
        assertThat(p.isAlive()).isFalse();
        assertThat(p.job().onExit().join().reason()).isEqualTo(dev.joblet.EndReason.STOPPED);
        assertThat(LeftoverCheck.leftovers(p.job().id(), p.pid())).isEmpty();
    }

    @Test
    void theLeftoverCheckSeesARunningJob() throws Exception {
        try (Job job = Joblet.builder().command("sleep", "1000").start()) {
            List<String> left = LeftoverCheck.leftovers(job.id(), job.pid());
            assertThat(left).anyMatch(s -> s.equals("its PID 1 (pid " + job.pid() + ") still runs"));
            assertThat(left).anyMatch(s -> s.startsWith("its cgroup /sys/fs/cgroup/"));
            assertThat(left).anyMatch(s -> s.endsWith("is still in its cgroup"));
        }
    }

    static class NeverReady {
        @Test
        void waits(@JobletFixture(command = {"sleep", "1000"}, readyLog = "never", readyTimeoutSeconds = 1) FixtureProcess p) {
            SEEN.add(p); // not reached
        }
    }

    @Test
    void fixtureThatIsNeverReadyFailsTheTestAndIsStopped() {
        Events events = run(NeverReady.class);
        events.assertStatistics(s -> s.failed(1));
        assertThat(failureMessages(events)).startsWith(
                "@JobletFixture on parameter #0 of NeverReady.waits(): fixture \"sleep 1000\" was not ready within 1 s (readyLog /never/)");
        assertThat(SEEN).isEmpty();
    }

    static class EndsBeforeReady {
        @Test
        void waits(@JobletFixture(command = {"bash", "-c", "echo oops >&2; exit 3"}, readyFile = "/work/sock") FixtureProcess p) {
            SEEN.add(p);
        }
    }

    @Test
    void fixtureThatEndsBeforeItIsReadyFailsWithItsOutput() {
        Events events = run(EndsBeforeReady.class);
        events.assertStatistics(s -> s.failed(1));
        assertThat(failureMessages(events)).contains("ended before it was ready (readyFile /work/sock)")
                .contains("EXITED exit=3").contains("--- stderr (tail) ---\noops");
    }

    static class CrashesMidway {
        @Test
        void fixtureCrashes(@JobletFixture(command = {"bash", "-c",
                "echo up; until [ -e /work/go ]; do sleep 0.05; done; echo crashing >&2; exit 9"}, readyLog = "up")
                FixtureProcess p) throws Exception {
            SEEN.add(p);
            java.nio.file.Files.writeString(p.path("/work/go"), "");
            p.job().await();
        }
    }

    @Test
    void fixtureThatCrashesMidwayFailsIt() {
        Events events = run(CrashesMidway.class);
        events.assertStatistics(s -> s.failed(1));
        assertThat(failureMessages(events)).contains("fixture \"bash -c echo up; until")
                .contains("ended during the test: JobResult{").contains("EXITED exit=9").contains("crashing");
    }

    static class BadDeclarations {
        @Test
        void negativeMemory(@JobletFixture(command = "true", memoryMb = -5) FixtureProcess p) {}

        @Test
        void badRegex(@JobletFixture(command = "true", readyLog = "(") FixtureProcess p) {}

        @Test
        void emptyCommand(@JobletFixture(command = {}) FixtureProcess p) {}

        @Test
        void wrongType(@JobletFixture(command = "true") String p) {}

        @Test
        void missingProgram(@JobletFixture(command = "no-such-program-xyz") FixtureProcess p) {}
    }

    @Test
    void badDeclarationsNameTheAttributeAndTheValue() {
        Events events = run(BadDeclarations.class);
        events.assertStatistics(s -> s.failed(5));
        assertThat(failureMessages(events))
                .contains("@JobletFixture on parameter #0 of BadDeclarations.negativeMemory(): memoryMb (-5) must be positive, or 0 for no limit")
                .contains("@JobletFixture on parameter #0 of BadDeclarations.badRegex(): Unclosed group")
                .contains("@JobletFixture on parameter #0 of BadDeclarations.emptyCommand(): command must not be empty")
                .contains("BadDeclarations.wrongType(): the parameter must be of type FixtureProcess, not String")
                .contains("\"no-such-program-xyz\": not found in runtime host");
    }

    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class SharedByAllTests {
        static FixtureProcess shared;

        @BeforeAll
        static void start(@JobletFixture(command = {"sleep", "1000"}) FixtureProcess p) {
            shared = p;
            SEEN.add(p);
        }

        @Test
        void a() {
            assertThat(shared.isAlive()).isTrue();
        }

        @Test
        void b() {
            assertThat(shared.isAlive()).isTrue(); // not stopped after a()
        }

        @AfterAll
        static void end() {
            assertThat(shared.isAlive()).isTrue(); // stopped after this, by the extension's afterAll
        }
    }

    @Test
    void beforeAllFixtureLivesForTheClassAndIsStoppedAfterIt() {
        Events events = run(SharedByAllTests.class);
        events.assertStatistics(s -> s.succeeded(2).failed(0));
        FixtureProcess p = SEEN.get(0);
        assertThat(p.isAlive()).isFalse();
        assertThat(LeftoverCheck.leftovers(p.job().id(), p.pid())).isEmpty();
    }
}
