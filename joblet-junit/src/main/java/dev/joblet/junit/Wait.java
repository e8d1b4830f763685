package dev.joblet.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Factories of {@link WaitStrategy}: when a {@link Fixture} is ready. Each waits at most 30 s from the fixture's
 * start unless {@link WaitStrategy#withStartupTimeout} says otherwise.
 *
 * <pre>{@code
 * Wait.forListeningPort()                                   // every exposed port is listened on, inside the job
 * Wait.forHttp("/health").forStatusCode(200).forResponseBody("ok")
 * Wait.forLogMessage("Serving HTTP on .* port (\\d+)")      // a regex found in stdout or stderr
 * Wait.forFile("/work/app.sock")                            // a path inside the job exists
 * Wait.until("the queue is empty", p -> p.stdout().contains("drained"))
 * }</pre>
 */
public final class Wait {
    private Wait() {}

    /** Every port in {@link Fixture.Builder#exposedPorts} is listened on (TCP) inside the fixture. */
    public static WaitStrategy forListeningPort() {
        return new ListeningPort(0, WaitStrategy.DEFAULT_TIMEOUT);
    }

    /**
     * TCP {@code port} is listened on inside the fixture (its own network namespace's socket table), whether or not
     * it is exposed.
     */
    public static WaitStrategy forListeningPort(int port) {
        FixtureTargets.checkPort("forListeningPort port", port);
        return new ListeningPort(port, WaitStrategy.DEFAULT_TIMEOUT);
    }

    /** An HTTP GET of {@code path} (from the test's JVM, through the mapped port) answers 200 unless told otherwise. */
    public static HttpWaitStrategy forHttp(String path) {
        return new HttpWaitStrategy(path);
    }

    /** A line matching {@code regex} (found anywhere in stdout or stderr, multi-line mode). */
    public static WaitStrategy forLogMessage(String regex) {
        return forLogMessage(regex, 1);
    }

    /** {@code times} matches of {@code regex} in stdout or stderr (e.g. a server that logs once per worker). */
    public static WaitStrategy forLogMessage(String regex, int times) {
        if (regex == null || regex.isEmpty()) {
            throw new IllegalArgumentException("forLogMessage regex must not be empty");
        }
        if (times < 1) {
            throw new IllegalArgumentException("forLogMessage times (" + times + ") must be at least 1");
        }
        return new LogMessage(Pattern.compile(regex, Pattern.MULTILINE), times, WaitStrategy.DEFAULT_TIMEOUT);
    }

    /** An absolute path inside the fixture exists (a socket, a pid file). */
    public static WaitStrategy forFile(String pathInJob) {
        if (pathInJob == null || !pathInJob.startsWith("/") || pathInJob.contains("..")) {
            throw new IllegalArgumentException("forFile path (" + pathInJob + ") must be an absolute path inside the fixture, without '..'");
        }
        return new FileExists(pathInJob, WaitStrategy.DEFAULT_TIMEOUT);
    }

    /**
     * {@code ready} holds; it is called every 10 ms with the fixture's handle until it does (an exception it throws
     * counts as not ready and is reported if the time runs out).
     */
    public static WaitStrategy until(String description, Predicate<FixtureProcess> ready) {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("until description must not be blank");
        }
        if (ready == null) {
            throw new IllegalArgumentException("until predicate must not be null");
        }
        return new Custom(description, ready, WaitStrategy.DEFAULT_TIMEOUT);
    }

    private static final class ListeningPort extends WaitStrategy {
        private final int port; // 0: every exposed port

        ListeningPort(int port, Duration timeout) {
            super(timeout);
            this.port = port;
        }

        @Override
        WaitStrategy withTimeout(Duration timeout) {
            return new ListeningPort(port, timeout);
        }

        @Override
        String description() {
            return port == 0 ? "a listening socket on every exposed port" : "a listening socket on port " + port;
        }

        @Override
        void validate(FixtureTargets targets) {
            if (port == 0 && targets.exposed.isEmpty()) {
                throw new IllegalArgumentException("forListeningPort() waits for the exposed ports, but the fixture exposes"
                        + " none: use forListeningPort(port) or exposedPorts(...)");
            }
        }

        @Override
        @Nullable String notReady(FixtureProcess fixture) {
            List<Integer> wanted = port == 0 ? fixture.exposedPorts() : List.of(port);
            List<Integer> listening = listeningPorts(fixture.pid());
            List<Integer> missing = new ArrayList<>(wanted);
            missing.removeAll(listening);
            return missing.isEmpty() ? null : "not listening on " + missing + " (listening: " + listening + ")";
        }
    }

    /** The TCP ports in state LISTEN in the network namespace of {@code pid}, from /proc/PID/net/tcp and tcp6. */
    static List<Integer> listeningPorts(int pid) {
        List<Integer> out = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "net", table));
            } catch (IOException e) {
                continue; // no IPv6, or the process is gone
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st ...; local_address is HEXADDR:HEXPORT, st 0A is LISTEN
                if (f.length > 3 && f[3].equals("0A")) {
                    String local = f[1];
                    int p = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                    if (!out.contains(p)) {
                        out.add(p);
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static final class LogMessage extends WaitStrategy {
        private final Pattern regex;
        private final int times;

        LogMessage(Pattern regex, int times, Duration timeout) {
            super(timeout);
            this.regex = regex;
            this.times = times;
        }

        @Override
        WaitStrategy withTimeout(Duration timeout) {
            return new LogMessage(regex, times, timeout);
        }

        @Override
        String description() {
            return "log message /" + regex.pattern() + "/" + (times > 1 ? " " + times + " times" : "");
        }

        @Override
        @Nullable String notReady(FixtureProcess fixture) {
            int seen = Math.max(count(fixture.stdout()), count(fixture.stderr()));
            return seen >= times ? null : "seen " + seen + " time" + (seen == 1 ? "" : "s");
        }

        private int count(String text) {
            Matcher m = regex.matcher(text);
            int n = 0;
            while (n < times && m.find()) {
                n++;
            }
            return n;
        }
    }

    private static final class FileExists extends WaitStrategy {
        private final String path;

        FileExists(String path, Duration timeout) {
            super(timeout);
            this.path = path;
        }

        @Override
        WaitStrategy withTimeout(Duration timeout) {
            return new FileExists(path, timeout);
        }

        @Override
        String description() {
            return "file " + path;
        }

        @Override
        @Nullable String notReady(FixtureProcess fixture) {
            return Files.exists(fixture.path(path)) ? null : "it does not exist";
        }
    }

    private static final class Custom extends WaitStrategy {
        private final String description;
        private final Predicate<FixtureProcess> ready;

        Custom(String description, Predicate<FixtureProcess> ready, Duration timeout) {
            super(timeout);
            this.description = description;
            this.ready = ready;
        }

        @Override
        WaitStrategy withTimeout(Duration timeout) {
            return new Custom(description, ready, timeout);
        }

        @Override
        String description() {
            return description;
        }

        @Override
        @Nullable String notReady(FixtureProcess fixture) {
            try {
                return ready.test(fixture) ? null : "the predicate was false";
            } catch (RuntimeException e) {
                return "the predicate threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
    }
}
