package dev.joblet.junit;

import dev.joblet.Network;

import dev.joblet.Job;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobletException;
import dev.joblet.MemorySize;
import dev.joblet.JobRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Turns a {@link JobletFixture} into a job spec, starts it and waits until it is ready. Stateless. */
final class FixtureStarter {
    private FixtureStarter() {}

    /** Builds the spec; bad attribute values throw IllegalArgumentException naming the attribute. */
    static JobSpec spec(JobletFixture f) {
        if (f.command().length == 0) {
            throw new IllegalArgumentException("command must not be empty");
        }
        JobSpec.Builder b = Joblet.builder().command(f.command()).runtime(JobRuntime.named(f.runtime())).network(network(f.network()))
                .workdir(f.workdir()).stopGrace(Duration.ofMillis(requireNonNegative("stopGraceMillis", f.stopGraceMillis())));
        if (f.cpu() != 0) {
            b.cpu(f.cpu());
        }
        if (f.memoryMb() != 0) {
            if (f.memoryMb() < 0) {
                throw new IllegalArgumentException("memoryMb (" + f.memoryMb() + ") must be positive, or 0 for no limit");
            }
            b.memory(MemorySize.ofMegabytes(f.memoryMb()));
        }
        if (f.pidsMax() != -1) {
            b.pidsMax(f.pidsMax());
        }
        for (String kv : f.env()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("env (" + kv + ") must be NAME=value");
            }
            b.env(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (!f.readyLog().isEmpty()) {
            Pattern.compile(f.readyLog()); // a PatternSyntaxException (an IllegalArgumentException) names the regex
        }
        if (!f.readyFile().isEmpty() && (!f.readyFile().startsWith("/") || f.readyFile().contains(".."))) {
            throw new IllegalArgumentException("readyFile (" + f.readyFile() + ") must be an absolute path inside the job");
        }
        if (f.readyTimeoutSeconds() <= 0) {
            throw new IllegalArgumentException("readyTimeoutSeconds (" + f.readyTimeoutSeconds() + ") must be positive");
        }
        return b.build();
    }

    private static long requireNonNegative(String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " (" + v + ") must not be negative");
        }
        return v;
    }

    /** Starts the fixture and waits for readiness; on failure the job is gone and a readable message thrown. */
    static FixtureProcess start(JobletFixture f, JobSpec spec, String description) throws JobletException, InterruptedException {
        Job job = spec.start();
        try {
            List<String> groups = awaitReady(f, job, description);
            return new FixtureProcess(job, groups, description);
        } catch (RuntimeException | InterruptedException e) {
            job.close();
            throw e;
        }
    }

    private static List<String> awaitReady(JobletFixture f, Job job, String description) throws InterruptedException {
        Pattern log = f.readyLog().isEmpty() ? null : Pattern.compile(f.readyLog(), Pattern.MULTILINE);
        String file = f.readyFile();
        long deadline = System.nanoTime() + Duration.ofSeconds(f.readyTimeoutSeconds()).toNanos();
        List<String> groups = null;
        boolean fileSeen = file.isEmpty();
        while (true) {
            if (groups == null && log != null) {
                groups = match(log, job.stdout().text());
                if (groups == null) {
                    groups = match(log, job.stderr().text());
                }
            }
            if (!fileSeen) {
                fileSeen = Files.exists(Path.of("/proc", Integer.toString(job.pid()), "root", file.substring(1)));
            }
            boolean logSeen = log == null || groups != null;
            if (logSeen && fileSeen) {
                if (!job.isAlive()) {
                    throw new IllegalStateException(description + " ended before the test started" + outputOf(job));
                }
                return groups == null ? List.of() : groups;
            }
            if (!job.isAlive()) {
                throw new IllegalStateException(description + " ended before it was ready (" + waitingFor(f) + "): "
                        + job.onExit().join() + outputOf(job));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(description + " was not ready within " + f.readyTimeoutSeconds() + " s ("
                        + waitingFor(f) + ")" + outputOf(job));
            }
            Thread.sleep(10);
        }
    }

    private static @Nullable List<String> match(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            return null;
        }
        List<String> g = new ArrayList<>();
        for (int i = 0; i <= m.groupCount(); i++) {
            g.add(m.group(i) == null ? "" : m.group(i));
        }
        return g;
    }

    private static String waitingFor(JobletFixture f) {
        List<String> w = new ArrayList<>();
        if (!f.readyLog().isEmpty()) {
            w.add("readyLog /" + f.readyLog() + "/");
        }
        if (!f.readyFile().isEmpty()) {
            w.add("readyFile " + f.readyFile());
        }
        return String.join(" and ", w);
    }

    static String outputOf(Job job) {
        return "\n--- stdout (tail) ---\n" + tail(job.stdout().text()) + "\n--- stderr (tail) ---\n" + tail(job.stderr().text());
    }

    private static String tail(String s) {
        return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    }

    private static Network network(String name) {
        switch (name) {
            case "none":
                return Network.NONE;
            case "host":
                return Network.HOST;
            default:
                return Network.named(name).orElseThrow(() -> new IllegalArgumentException("@JobletFixture network (" + name
                        + ") must be none, host or the name of a private network created in this JVM"));
        }
    }
}
