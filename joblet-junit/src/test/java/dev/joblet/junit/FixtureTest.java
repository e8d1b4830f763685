package dev.joblet.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.joblet.EndReason;
import dev.joblet.Network;
import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link Fixture} and {@link Wait}, seen working: small test classes run through the JUnit engine; they report
 * what they saw (job ids, pids) as report entries, which these tests then check against the host.
 */
class FixtureTest {
    static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().allEvents();
    }

    static String failures(Events events) {
        return events.failed().stream()
                .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable()
                        .map(Throwable::getMessage).orElse(""))
                .collect(Collectors.joining("\n"));
    }

    /** The values of the report entries published under {@code key}, in order. */
    static List<String> reported(Events events, String key) {
        return events.reportingEntryPublished().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs().get(key))
                .filter(v -> v != null).collect(Collectors.toList());
    }

    static void report(TestReporter r, FixtureProcess p) {
        r.publishEntry(Map.of("job", p.job().id().toString(), "pid", Integer.toString(p.pid())));
    }

    static void assertNothingLeft(Events events) {
        List<String> jobs = reported(events, "job");
        List<String> pids = reported(events, "pid");
        assertThat(jobs).isNotEmpty();
        for (int i = 0; i < jobs.size(); i++) {
            assertThat(LeftoverCheck.leftovers(dev.joblet.JobId.parse(jobs.get(i)), Integer.parseInt(pids.get(i)))).isEmpty();
        }
    }

    // ---- every wait strategy, passing ----

    static class EveryStrategy {
        @RegisterExtension
        static Fixture f = Fixture.builder("python3", "-u", "-c", "import http.server, os, socketserver\n"
                        + "open('/work/ready', 'w').close()\n"
                        + "print('serving', flush=True)\n"
                        + "http.server.ThreadingHTTPServer(('', 8080), http.server.SimpleHTTPRequestHandler).serve_forever()")
                .exposedPorts(8080)
                .waitingFor(Wait.forListeningPort())
                .waitingFor(Wait.forHttp("/").forPort(8080).forStatusCode(200).forResponseBody("ready"))
                .waitingFor(Wait.forLogMessage("^serving$"))
                .waitingFor(Wait.forFile("/work/ready"))
                .waitingFor(Wait.until("stdout says serving", p -> p.stdout().contains("serving")))
                .build();

        @Test
        void ready(TestReporter r) {
            report(r, f.process());
            assertThat(Wait.listeningPorts(f.process().pid())).contains(8080);
            assertThat(Files.exists(f.process().path("/work/ready"))).isTrue();
        }
    }

    @Test
    @NeedsRoot("for namespaces, cgroups and a private network")
    void everyStrategyPassesOnAReadyServerAndNothingIsLeftAfterwards() {
        Events events = run(EveryStrategy.class);
        assertThat(failures(events)).isEmpty();
        assertThat(reported(events, "job")).hasSize(1);
        assertNothingLeft(events);
    }

    // ---- timeouts report what was seen and the output's tail ----

    static class NeverListens {
        @RegisterExtension
        static Fixture f = Fixture.builder("bash", "-c", "echo starting up; echo no port for you >&2; exec sleep 1000")
                .exposedPorts(9000)
                .waitingFor(Wait.forHttp("/").withStartupTimeout(Duration.ofMillis(700)))
                .build();

        @Test
        void t() {}
    }

    @Test
    @NeedsRoot("for namespaces, cgroups and a private network")
    void aTimeoutReportsTheStrategyWhatWasSeenAndTheOutputTail() {
        String m = failures(run(NeverListens.class));
        assertThat(m).startsWith("fixture \"bash -c echo starting up; echo no port for you >&2; exec sleep 1000\" was not"
                        + " ready within 700 ms (waiting for HTTP GET / answering 200; last: http://127.0.0.1:")
                .contains("--- stdout (tail) ---\nstarting up\n").contains("--- stderr (tail) ---\nno port for you\n");
    }

    static class PredicateNeverTrue {
        @RegisterExtension
        static Fixture f = Fixture.builder("bash", "-c", "echo tick; exec sleep 1000")
                .waitingFor(Wait.until("the moon is blue", p -> { throw new IllegalStateException("no moon"); })
                        .withStartupTimeout(Duration.ofMillis(300)))
                .build();

        @Test
        void t() {}
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void aPredicateThatThrowsIsReportedAtTheTimeout() {
        assertThat(failures(run(PredicateNeverTrue.class)))
                .contains("was not ready within 300 ms (waiting for the moon is blue; last: the predicate threw"
                        + " IllegalStateException: no moon)")
                .contains("--- stdout (tail) ---\ntick\n");
    }

    static class LogTwice {
        @RegisterExtension
        static Fixture f = Fixture.builder("bash", "-c", "echo worker up; exec sleep 1000")
                .waitingFor(Wait.forLogMessage("worker up", 2).withStartupTimeout(Duration.ofMillis(300)))
                .build();

        @Test
        void t() {}
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void aLogWaitCountsItsMatches() {
        assertThat(failures(run(LogTwice.class)))
                .contains("(waiting for log message /worker up/ 2 times; last: seen 1 time)");
    }

    // ---- scopes and teardown ----

    static class PerTest {
        @RegisterExtension
        Fixture f = Fixture.builder("bash", "-c", "trap 'echo got TERM' TERM; echo up; while :; do sleep 0.1; done")
                .waitingFor(Wait.forLogMessage("up")).build();

        @Test
        void a(TestReporter r) {
            report(r, f.process());
        }

        @Test
        void b(TestReporter r) {
            report(r, f.process());
        }
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void anInstanceFieldFixtureRunsOncePerTestAndIsKilledAtOnce() {
        Events events = run(PerTest.class);
        assertThat(failures(events)).isEmpty();
        List<String> jobs = reported(events, "job");
        assertThat(jobs).hasSize(2).doesNotHaveDuplicates();
        assertNothingLeft(events);
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void teardownKillsAtOnceByDefaultAndTermsWithAGrace() throws Exception {
        String trap = "trap 'echo got TERM; exit 0' TERM; echo up; while :; do sleep 0.05; done";
        for (Duration grace : List.of(Duration.ZERO, Duration.ofSeconds(5))) {
            Fixture f = Fixture.builder("bash", "-c", trap).waitingFor(Wait.forLogMessage("up")).stopGrace(grace).build();
            FixtureRun run = FixtureRun.start(f.definition());
            FixtureProcess p = run.process();
            assertThat(run.stop()).isEmpty();
            dev.joblet.JobResult result = p.job().onExit().join();
            if (grace.isZero()) {
                assertThat(result.reason()).isEqualTo(EndReason.STOPPED);
                assertThat(result.signal()).hasValue(9);
                assertThat(p.stdout()).doesNotContain("got TERM");
            } else {
                assertThat(p.stdout()).contains("got TERM"); // the trap ran: TERM first, as asked
            }
            assertThat(LeftoverCheck.leftovers(p.job().id(), p.pid())).isEmpty();
        }
    }

    static class Crashes {
        @RegisterExtension
        static Fixture f = Fixture.builder("bash", "-c", "echo up; until [ -e /work/go ]; do sleep 0.05; done; echo dying >&2; exit 7")
                .waitingFor(Wait.forLogMessage("up")).build();

        @Test
        void t() throws Exception {
            Files.writeString(f.process().path("/work/go"), "");
            f.process().job().await();
        }
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void aFixtureThatCrashesFailsTheClassWithItsOutput() {
        assertThat(failures(run(Crashes.class))).contains("ended before its stop").contains("EXITED exit=7").contains("dying");
    }

    // ---- bad input: named at build() ----

    @Nested
    class BadInput {
        @Test
        void portsOutOfRange() {
            assertThatThrownBy(() -> Fixture.builder("true").exposedPorts(70000))
                    .hasMessage("exposedPorts (70000) must be 1 to 65535");
            assertThatThrownBy(() -> Fixture.builder("true").exposedPorts(0)).hasMessage("exposedPorts (0) must be 1 to 65535");
            assertThatThrownBy(() -> Wait.forListeningPort(-1)).hasMessage("forListeningPort port (-1) must be 1 to 65535");
            assertThatThrownBy(() -> Wait.forHttp("/").forPort(65536)).hasMessage("forHttp port (65536) must be 1 to 65535");
        }

        @Test
        void unknownWaitTargets() {
            assertThatThrownBy(() -> Fixture.builder("true").exposedPorts(8000).waitingFor(Wait.forHttp("/").forPort(9000)).build())
                    .hasMessage("forHttp port (9000) is not an exposed port of the fixture (exposed: [8000]); add it with exposedPorts(9000)");
            assertThatThrownBy(() -> Fixture.builder("true").exposedPorts(1, 2).waitingFor(Wait.forHttp("/")).build())
                    .hasMessage("forHttp needs a port: the fixture exposes [1, 2], name one");
            assertThatThrownBy(() -> Fixture.builder("true").waitingFor(Wait.forListeningPort()).build())
                    .hasMessageStartingWith("forListeningPort() waits for the exposed ports, but the fixture exposes none");
            assertThatThrownBy(() -> Wait.forFile("work/x")).hasMessageStartingWith("forFile path (work/x) must be an absolute path");
            assertThatThrownBy(() -> Wait.forHttp("health")).hasMessageStartingWith("forHttp path (health) must start with '/'");
            assertThatThrownBy(() -> Fixture.builder("true").network(Network.NONE).exposedPorts(80).build())
                    .hasMessageStartingWith("exposedPorts ([80]) need a private network, not network(NONE)");
        }

        @Test
        void negativeOrZeroTimeouts() {
            assertThatThrownBy(() -> Wait.forLogMessage("x").withStartupTimeout(Duration.ofSeconds(-1)))
                    .hasMessage("startupTimeout (PT-1S) must be positive");
            assertThatThrownBy(() -> Wait.forFile("/x").withStartupTimeout(Duration.ZERO)).hasMessage("startupTimeout (PT0S) must be positive");
            assertThatThrownBy(() -> Fixture.builder("true").stopGrace(Duration.ofMillis(-5)))
                    .hasMessage("stopGrace (PT-0.005S) must not be negative");
        }

        @Test
        void otherValues() {
            assertThatThrownBy(() -> Fixture.builder()).hasMessage("command must not be empty");
            assertThatThrownBy(() -> Wait.forHttp("/").forStatusCode(42)).hasMessage("forStatusCode (42) must be 100 to 599");
            assertThatThrownBy(() -> Wait.forLogMessage("x", 0)).hasMessage("forLogMessage times (0) must be at least 1");
            assertThatThrownBy(() -> Fixture.builder("true").shared("a b")).hasMessageStartingWith("shared name (a b) must be");
            assertThatThrownBy(() -> Fixture.builder("true").cpu(-3)).hasMessage("cpu (-3) must be positive");
            assertThatThrownBy(() -> Fixture.builder("true").spec(b -> b.pidsMax(-7)).build()).hasMessageContaining("-7");
        }

        @Test
        void usingAFixtureOutsideItsScopeSaysSo() {
            Fixture f = Fixture.builder("sleep", "1").build();
            assertThatThrownBy(f::process).hasMessageStartingWith("fixture \"sleep 1\" is not running: use it from a test");
        }
    }
}
