package dev.joblet.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * A shared fixture, with JUnit's parallel execution on: two classes running at once get one process (each
 * waits inside it for the other's file, so they did run together), and it is gone when the run ends.
 */
@NeedsRoot("for namespaces and cgroups")
class SharedFixtureTest {
    static Fixture shared() {
        return Fixture.builder("bash", "-c", "echo up; exec sleep 1000").shared("two-classes")
                .waitingFor(Wait.forLogMessage("up")).build();
    }

    static void meet(Fixture f, String me, String other, TestReporter r) throws Exception {
        FixtureTest.report(r, f.process());
        Files.writeString(f.process().path("/work/" + me), "");
        Path theirs = f.process().path("/work/" + other);
        for (int i = 0; i < 1000 && !Files.exists(theirs); i++) {
            Thread.sleep(10);
        }
        assertThat(theirs).as("the other class's file, written while this one ran").exists();
    }

    static class A {
        @RegisterExtension
        static Fixture f = shared();

        @Test
        void a(TestReporter r) throws Exception {
            meet(f, "a", "b", r);
        }
    }

    static class B {
        @RegisterExtension
        static Fixture f = shared();

        @Test
        void b(TestReporter r) throws Exception {
            meet(f, "b", "a", r);
        }
    }

    @Test
    void oneProcessServesBothClassesInParallelAndIsClosedAtTheEnd() {
        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(A.class), selectClass(B.class))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .execute().allEvents();
        assertThat(FixtureTest.failures(events)).isEmpty();
        List<String> jobs = FixtureTest.reported(events, "job");
        assertThat(jobs).hasSize(2);
        assertThat(jobs.get(0)).as("one process for both classes").isEqualTo(jobs.get(1));
        FixtureTest.assertNothingLeft(events); // closed by the root store at the end of the run
    }
}
