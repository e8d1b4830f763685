package dev.joblet.examples.sse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.Job;
import dev.joblet.testing.NeedsRoot;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The example page in a real headless Chromium (Debian's {@code chromium}, which CI installs): the page
 * follows a job's log with {@code EventSource} and posts what it received back to the server after every
 * event. The server drops every stream after a few events, so the browser must resume with
 * {@code Last-Event-ID} many times; the job keeps running until the page has shown every line, which proves
 * the lines arrived live, and is then stopped so that the page also gets the exit event.
 */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@EnabledIf(value = "chromiumInstalled", disabledReason = "needs Debian's chromium package (apt-get install chromium; ./test installs it)")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BrowserTest {
    private static final int LINES = 40;
    /** Prints the lines in small bursts, then waits (still running) until the test stops it. */
    private static final String COMMAND =
            "for i in $(seq 1 " + LINES + "); do echo line $i; [ $((i % 4)) = 0 ] && sleep 0.1; done; echo err >&2; exec sleep 600";
    private static final String OUT = IntStream.rangeClosed(1, LINES).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
    private static final Pattern STDOUT = Pattern.compile("\"stdout\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern OPENS = Pattern.compile("\"opens\":(\\d+)");

    static Optional<Path> chromium() {
        return Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser")
                .map(Path::of).filter(Files::isExecutable).findFirst();
    }

    static boolean chromiumInstalled() {
        return chromium().isPresent();
    }

    @Test
    void thePageShowsEveryLineLiveAndResumesWithoutLossAfterEveryDrop() throws Exception {
        Path profile = Files.createTempDirectory("joblet-chromium");
        try (LogServer server = new LogServer(0, 8, 3)) {
            String id = SseClient.post(server.uri().resolve("/jobs"), COMMAND);
            Process browser = new ProcessBuilder(chromium().orElseThrow().toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--user-data-dir=" + profile, server.uri().resolve("/?report&job=" + id).toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                String live = waitForReport(server, id, r -> stdout(r).equals(OUT) && r.contains("\"stderr\":\"err\\n\""));
                assertThat(server.reportedWhileRunning(id)).as("the page saw output while the job ran").isTrue();
                assertThat(server.job(id).orElseThrow().isAlive()).as("every line arrived while the job was running").isTrue();
                assertThat(live).contains("\"exit\":null");

                Job job = server.job(id).orElseThrow();
                job.stop(Duration.ZERO).get(30, TimeUnit.SECONDS);
                String last = waitForReport(server, id, r -> !r.contains("\"exit\":null"));
                assertThat(stdout(last)).as("nothing lost, nothing repeated").isEqualTo(OUT);
                assertThat(last).contains("\"stderr\":\"err\\n\"").contains("\"gaps\":[]").contains("\"reason\":\"STOPPED\"");
                Matcher opens = OPENS.matcher(last);
                assertThat(opens.find()).isTrue();
                // 10 bursts of stdout, stderr, exit: more than the 3 events a connection carries, so the
                // browser reconnected with Last-Event-ID at least once (a few times, in practice)
                assertThat(Integer.parseInt(opens.group(1))).isGreaterThanOrEqualTo(2);
            } finally {
                stop(browser);
            }
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        assertThat(profile).doesNotExist();
    }

    /** Waits until the page's latest report satisfies {@code done} (the class timeout bounds the wait). */
    private static String waitForReport(LogServer server, String id, Predicate<String> done) throws InterruptedException {
        while (true) {
            Optional<String> r = server.report(id);
            if (r.isPresent() && done.test(r.get())) {
                return r.get();
            }
            Thread.sleep(50);
        }
    }

    /** The page's {@code received.stdout}, JSON-unescaped (the test's output has only newlines to unescape). */
    private static String stdout(String report) {
        Matcher m = STDOUT.matcher(report);
        return m.find() ? m.group(1).replace("\\n", "\n") : "";
    }

    /** Ends the browser and every process it started, and waits for them. */
    private static void stop(Process browser) throws InterruptedException {
        List<ProcessHandle> all = Stream.concat(browser.descendants(), Stream.of(browser.toHandle())).collect(Collectors.toList());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
        browser.waitFor();
    }
}
