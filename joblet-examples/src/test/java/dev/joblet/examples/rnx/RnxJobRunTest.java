package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `rnx job run` end to end, in-process: real jobs, so root. */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RnxJobRunTest {
    @Test
    void seedPsAuxShowsBashAsPid1AndItsSleepsAndReturnsAtOnce() {
        long t0 = System.nanoTime();
        Captured c = rnx("job", "run", "bash", "-c", "sleep 30 & sleep 40 & ps aux");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(c.status).as("%s", c).isZero();
        List<String> rows = Arrays.stream(c.out().split("\n")).skip(1).collect(Collectors.toList());
        assertThat(rows).as("%s", c).anySatisfy(r -> assertThat(r.trim().split("\\s+")[1]).isEqualTo("1"));
        String pid1 = rows.stream().filter(r -> r.trim().split("\\s+")[1].equals("1")).findFirst().orElseThrow();
        assertThat(pid1).contains("bash -c sleep 30 & sleep 40 & ps aux");
        assertThat(c.out()).contains("sleep 30").contains("sleep 40").contains("ps aux");
        assertThat(rows).as("only the job's processes").hasSize(4);
        assertThat(ms).as("PID 1's exit ends the job, sleeps included").isLessThan(10_000);
    }

    @Test
    void topBatchModeRunsWithItsOwnFlags() {
        Captured c = rnx("job", "run", "top", "-b", "-n", "1");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).contains("PID").contains("top");
    }

    @Test
    void exitCodeIsRelayed() {
        Captured c = rnx("job", "run", "sh", "-c", "exit 3");
        assertThat(c.status).as("%s", c).isEqualTo(3);
        assertThat(c.err()).isEmpty();
    }

    @Test
    void stdoutAndStderrStaySeparate() {
        Captured c = rnx("job", "run", "sh", "-c", "echo to-out; echo to-err >&2; exit 5");
        assertThat(c.status).isEqualTo(5);
        assertThat(c.out()).isEqualTo("to-out\n");
        assertThat(c.err()).isEqualTo("to-err\n");
    }

    @Test
    void outputStreamsWhileTheJobRuns() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(); // synchronized: safe to read while rnx writes
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Rnx.run(
                new String[] {"job", "run", "sh", "-c", "echo first; sleep 4; echo second"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!out.toString(StandardCharsets.UTF_8).contains("first") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("first\n");
        assertThat(status).isNotDone();
        assertThat(status.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("first\nsecond\n");
    }

    @Test
    void commandNotFoundExits127WithTheLibrarysMessage() {
        Captured c = rnx("job", "run", "nosuchcmd", "--flag");
        assertThat(c.status).isEqualTo(127);
        assertThat(c.err()).startsWith("rnx: \"nosuchcmd\": not found in runtime host");
        assertThat(c.out()).isEmpty();
    }

    @Test
    void commandNotFoundWithJsonStillEndsInAResult() {
        Captured c = rnx("job", "run", "--json", "nosuchcmd");
        assertThat(c.status).isEqualTo(127);
        assertThat(c.lastLine()).startsWith("{\"id\":null,\"reason\":\"FAILED_TO_START\"").contains("nosuchcmd");
    }

    @Test
    void unknownRuntimeIsAStartFailure() {
        Captured c = rnx("job", "run", "--runtime=no-such-runtime-here", "true");
        assertThat(c.status).as("%s", c).isEqualTo(125);
        assertThat(c.err()).startsWith("rnx: ").contains("no-such-runtime-here");
    }

    @Test
    void memoryHogIsOomKilledAndJsonSaysSo() {
        Captured c = rnx("job", "run", "--max-memory=16", "--json", "tail", "/dev/zero");
        assertThat(c.status).as("%s", c).isEqualTo(128 + 9);
        assertThat(c.lastLine()).as("%s", c).contains("\"reason\":\"OOM_KILLED\"").contains("\"signal\":9")
                .contains("\"exitCode\":null").containsPattern("\"oomKills\":[1-9]");
        assertThat(c.err()).contains("memory limit 16 MiB exceeded");
    }

    @Test
    void timeoutStopsTheJobAndJsonSaysSo() {
        Captured c = rnx("job", "run", "--timeout=1s", "--json", "sleep", "30");
        assertThat(c.status).as("%s", c).isGreaterThan(128);
        assertThat(c.lastLine()).contains("\"reason\":\"TIMED_OUT\"");
        assertThat(c.err()).contains("timed out after 1 s").doesNotContain("PT1S");
    }

    @Test
    void jsonIsTheLastLineEvenAfterOutputWithoutANewline() {
        Captured c = rnx("job", "run", "--json", "printf", "abc");
        assertThat(c.status).isZero();
        assertThat(c.out()).startsWith("abc\n{");
        assertThat(c.lastLine()).startsWith("{\"id\":\"").endsWith("}}")
                .contains("\"reason\":\"EXITED\"", "\"exitCode\":0", "\"signal\":null", "\"durationMs\":", "\"usage\":{");
    }

    @Test
    void envAndSecretEnvReachTheJobAndSecretsAreNeverPrinted() {
        Captured c = rnx("job", "run", "--json", "-e", "GREETING=hi there", "-s", "TOKEN=s3cr3t-value", "sh", "-c",
                "test \"$TOKEN\" = s3cr3t-value && echo \"$GREETING\"");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).startsWith("hi there\n");
        assertThat(c.out() + c.err()).doesNotContain("s3cr3t-value");
    }

    @Test
    void optionsBeforeTheCommandApplyToTheJob() {
        Captured c = rnx("job", "run", "--workdir=/tmp", "--hostname=rnx-test", "sh", "-c", "pwd; hostname");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).isEqualTo("/tmp\nrnx-test\n");
    }
}
