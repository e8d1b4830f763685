package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The escape suite in rootless mode, run by CI as root: a second JVM, started as the unprivileged user 65534
 * with {@code setpriv} from a copy of the test classpath it can read, runs every attempt of
 * {@link EscapeAttempts} through {@link RootlessEscapeRunner} (so every job goes through a user namespace
 * the unprivileged JVM made), and each reported result must be a failed attack. Then the same user is given
 * a delegated cgroup and the limits must hold (fork bomb stops at pids.max, memory bomb is OOM-killed).
 */
@NeedsRoot("to start a JVM as another user")
class RootlessEscapeSuiteTest {
    private static final int UID = 65534;
    private static final int GID = 65534;

    private static Process hostProcess;
    private static ServerSocket hostServer;
    private static Path marker;
    private static Path work;
    private static String classpath;
    private static Map<String, Result> suite;

    record Result(String attempt, boolean userns, int exit, String reason, String output, String error) {}

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        Assumptions.assumeTrue(Long.parseLong(Files.readString(Path.of("/proc/sys/user/max_user_namespaces")).strip()) > 0,
                "user.max_user_namespaces is 0: no user namespaces, so no rootless mode here");
        hostProcess = new ProcessBuilder("sleep", "600").start();
        hostServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        marker = Files.createTempFile(Path.of("/tmp"), "joblet-host-marker", "");
        work = Files.createTempDirectory("joblet-rootless-suite");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        classpath = copyClasspath(work.resolve("cp"));
        Path tmp = Files.createDirectory(work.resolve("tmp"));
        Files.setAttribute(tmp, "unix:uid", UID);
        Files.setAttribute(tmp, "unix:gid", GID);
        suite = new HashMap<>();
        for (Result r : runAsNobody("suite", List.of())) {
            suite.put(key(r.attempt(), r.userns()), r);
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (hostProcess != null) {
            hostProcess.destroyForcibly().waitFor();
            hostServer.close();
            Files.deleteIfExists(marker);
        }
        if (work != null) {
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static Stream<Arguments> attempts() {
        List<Arguments> args = new ArrayList<>();
        for (EscapeAttempts.Attempt a : EscapeAttempts.all()) {
            args.add(Arguments.of(a.name(), false));
            args.add(Arguments.of(a.name(), true));
        }
        return args.stream();
    }

    @ParameterizedTest(name = "rootless: {0} (root in user namespace: {1})")
    @MethodSource("attempts")
    void attemptFails(String attempt, boolean userns) {
        Result r = suite.get(key(attempt, userns));
        assertThat(r).as("a result was reported for %s", attempt).isNotNull();
        if (attempt.equals("fork bomb") || EscapeAttemptsPools.NEED_A_CGROUP.contains(attempt)) {
            // pidsMax(64), memory(...) with no delegated cgroup: refused before anything starts, with the fix.
            assertThat(r.exit()).as("exit; output %s", r.output()).isEqualTo(-1);
            assertThat(r.error()).contains("limits asked for cannot be enforced").contains("delegated");
            return;
        }
        if (attempt.startsWith(EscapeAttemptsLinks.PREFIX)) {
            // Uploads need a root JVM (the workspace is a tmpfs the JVM makes): refused before anything starts.
            assertThat(r.exit()).as("exit; output %s", r.output()).isEqualTo(-1);
            assertThat(r.error()).contains("uploads and retainWorkspace need a root JVM");
            return;
        }
        assertThat(r.error()).as("start error").isEmpty();
        assertThat(r.output()).as("output").doesNotContain("ESCAPED").contains("blocked");
        assertThat(r.exit()).as("exit code; output: %s", r.output()).isEqualTo(0);
        assertThat(hostProcess.isAlive()).as("the host's process survives").isTrue();
    }

    @Test
    void limitsHoldInACgroupDelegatedToTheUser() throws Exception {
        String name = "joblet-delegated-" + ProcessHandle.current().pid();
        List<Path> dirs;
        List<Result> results;
        try (CgroupDelegation delegation = new CgroupDelegation(name, UID, GID)) {
            dirs = delegation.directories();
            assertThat(dirs).isNotEmpty();
            results = runAsNobody("cgroup", delegation.procsFiles());
        }
        Map<String, Result> byKey = results.stream().collect(Collectors.toMap(r -> key(r.attempt(), r.userns()), r -> r));
        for (boolean userns : List.of(false, true)) {
            Result bomb = byKey.get(key("fork bomb", userns));
            assertThat(bomb.error()).as("start error").isEmpty();
            assertThat(bomb.output()).contains("blocked after").doesNotContain("ESCAPED");
            assertThat(bomb.exit()).as("fork bomb exit; output %s", bomb.output()).isEqualTo(0);
        }
        for (String attempt : EscapeAttemptsPools.NEED_A_CGROUP) {
            for (boolean userns : List.of(false, true)) {
                Result r = byKey.get(key(attempt, userns));
                assertThat(r.error()).as("%s: start error", attempt).isEmpty();
                assertThat(r.output()).as(attempt).contains("blocked").doesNotContain("ESCAPED");
                assertThat(r.exit()).as("%s exit; output %s", attempt, r.output()).isEqualTo(0);
            }
        }
        Result memory = byKey.get(key(RootlessEscapeRunner.MEMORY_BOMB, false));
        assertThat(memory.error()).as("start error").isEmpty();
        assertThat(memory.reason()).as("memory bomb; output %s", memory.output()).isEqualTo(EndReason.OOM_KILLED.name());
        assertThat(memory.output()).doesNotContain("ESCAPED");
        // Nothing of the delegation nor of the unprivileged JVM's job cgroups is left.
        assertThat(dirs).noneMatch(Files::exists);
    }

    /**
     * A default job starts in a JVM with no cgroup of its own (issue 21): its pids limit is an RLIMIT_NPROC counted in
     * the job's own user namespace, so the fork bomb stops at exactly the default although this user's JVM has
     * threads of its own outside; memory is an RLIMIT_DATA and /tmp keeps its size; network none, nobody inside;
     * limits asked for are refused, naming the limit; checkEnvironment() says what was replaced.
     */
    @Test
    void aDefaultJobStartsWithoutACgroupWithItsDefaultsReplaced() throws Exception {
        Map<String, Result> r = runAsNobody("defaults", List.of()).stream()
                .collect(Collectors.toMap(Result::attempt, x -> x));
        Result job = r.get("default job");
        assertThat(job.error()).as("start error").isEmpty();
        assertThat(job.exit()).as("exit; output %s", job.output()).isZero();
        assertThat(job.output().lines().map(String::strip).toList()).as(job.output()).startsWith("65534", "lo")
                .contains("Max processes 1024 1024 processes", "Max data size 536870912 536870912 bytes",
                        "tmpfs 524288");
        Result bomb = r.get("default fork bomb");
        assertThat(bomb.error()).as("start error").isEmpty();
        // Exactly the default: the JVM's own threads (same host uid) do not count against the job's processes.
        assertThat(bomb.output()).as("fork bomb").contains("forks stopped at " + JobSpec.DEFAULT_PIDS_MAX + ": ");
        assertThat(bomb.exit()).isZero();
        assertThat(r.get("asked memory").error()).contains("no delegated cgroup", "limits asked for cannot be enforced",
                "the memory limit needs a cgroup", RootlessDefaults.DELEGATION_DOC);
        assertThat(r.get("asked pids").error()).contains("the pids limit needs a cgroup");
        assertThat(r.get("check").output()).startsWith("LIMITED: rootless without a cgroup of its own")
                .contains("RLIMIT_NPROC 1024 counted in the job's own user namespace", "RLIMIT_DATA 512 MiB");
    }

    private static String key(String attempt, boolean userns) {
        return attempt + "/" + userns;
    }

    /**
     * Runs {@link RootlessEscapeRunner} as uid/gid 65534 with no supplementary groups, after joining the given
     * cgroups (as root, before the ids change), and parses its results.
     */
    private static List<Result> runAsNobody(String mode, List<Path> cgroupProcs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "for f in $JOIN; do echo $$ > \"$f\" || exit 97; done; exec setpriv --reuid=" + UID + " --regid=" + GID
                        + " --clear-groups -- \"$@\"", "sh", java, "--enable-native-access=ALL-UNNAMED", "-Xss1m",
                "-Djava.io.tmpdir=" + work.resolve("tmp"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", classpath, RootlessEscapeRunner.class.getName(), mode, Long.toString(hostProcess.pid()),
                Integer.toString(hostServer.getLocalPort()), marker.getFileName().toString()));
        Path resultFile = work.resolve("results-" + mode + ".jsonl");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(resultFile.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", work.resolve("tmp").toString());
        pb.environment().put("JOIN", cgroupProcs.stream().map(Path::toString).collect(Collectors.joining(" ")));
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) { // a hang guard, not a timing assertion
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(resultFile, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("the unprivileged JVM's exit status; stdout: %s", out).isZero();
        List<Result> results = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                results.add(parse(line));
            }
        }
        return results;
    }

    /** Parses the flat JSON objects {@link RootlessEscapeRunner} prints (string, number and boolean fields). */
    static Result parse(String line) {
        Map<String, String> f = new HashMap<>();
        int i = 1;
        while (i < line.length() && line.charAt(i) == '"') {
            StringBuilder key = new StringBuilder();
            i = readString(line, i, key);
            i++; // ':'
            StringBuilder value = new StringBuilder();
            if (line.charAt(i) == '"') {
                i = readString(line, i, value);
            } else {
                while (line.charAt(i) != ',' && line.charAt(i) != '}') {
                    value.append(line.charAt(i++));
                }
            }
            f.put(key.toString(), value.toString());
            i++; // ',' or '}'
        }
        return new Result(f.get("attempt"), Boolean.parseBoolean(f.get("userns")), Integer.parseInt(f.get("exit")),
                f.get("reason"), f.get("output"), f.get("error"));
    }

    /** Reads the string starting at the quote at {@code i}; returns the index after the closing quote. */
    private static int readString(String s, int i, StringBuilder out) {
        for (i++; s.charAt(i) != '"'; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                char e = s.charAt(++i);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> out.append(e);
                }
            } else {
                out.append(c);
            }
        }
        return i + 1;
    }

    /** Copies the test classpath where user 65534 can read it (the build's own may sit under /root). */
    private static String copyClasspath(Path dir) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Files.createDirectory(dir);
        List<String> copied = new ArrayList<>();
        int n = 0;
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            Path src = Path.of(entry);
            if (entry.isEmpty() || !Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve(n++ + (Files.isDirectory(src) ? "" : ".jar"));
            try (Stream<Path> s = Files.walk(src)) {
                for (Path p : s.toList()) {
                    Path target = dst.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        Files.copy(p, target);
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
            copied.add(dst.toString());
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return String.join(java.io.File.pathSeparator, copied);
    }
}
