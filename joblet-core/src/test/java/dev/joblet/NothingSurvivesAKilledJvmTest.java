package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM killed with SIGKILL while 50 of its jobs run (some with retained workspaces and log spills, some from the
 * warm pool) leaves nothing behind: at once (well within a second; the guard allows two) every process of it is
 * gone and every cgroup of it is empty;
 * nothing of it was ever mounted on the host nor named in the spill directory, so nothing needs sweeping there.
 * Its (empty) cgroup directories are removed by the next program that uses Joblet, at its first job.
 */
@NeedsRoot("for namespaces and cgroups")
class NothingSurvivesAKilledJvmTest {
    /**
     * A failure guard, twice the second asked for: the supervisors' lifelines end everything at once (815 ms for
     * 50 jobs, 100+ processes, measured with a load average of 20 on 2 cores; far less on an idle machine).
     */
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static Process java(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), KilledJvmWorkload.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's output until a line starts with {@code prefix}; every line read is kept in {@code seen}. */
    private static void awaitLine(Process p, String prefix, List<String> seen) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> found = CompletableFuture.runAsync(() -> {
            try {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    seen.add(l);
                    if (l.startsWith(prefix)) {
                        return;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("the child JVM ended without " + prefix);
        });
        found.get(120, TimeUnit.SECONDS);
    }

    /**
     * Whether {@code p} still runs: alive and not a zombie. A zombie has ended and holds nothing but its pid entry
     * until its parent reaps it; the parent of a killed JVM's supervisors is the host's init (here a VM agent that
     * reaps at its own pace), which no program of ours can hurry.
     */
    static boolean running(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException e) {
            return false; // reaped meanwhile
        }
    }

    private static List<Path> names(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.collect(Collectors.toList());
        }
    }

    @Test
    void aKilledJvmLeavesNoProcessCgroupMountOrSpillFile(@TempDir Path spill) throws Exception {
        List<String> out = java.util.Collections.synchronizedList(new ArrayList<>());
        Process jvm = java(spill.toString());
        long pid = jvm.pid();
        List<ProcessHandle> procs;
        List<Path> cgroups;
        try {
            awaitLine(jvm, "READY", out);
            assertThat(out).as("jobs that ended early").noneMatch(l -> l.startsWith("ENDED"));
            procs = jvm.descendants().collect(Collectors.toList());
            assertThat(procs).as("supervisors and jobs of the child JVM").hasSizeGreaterThanOrEqualTo(100);
            cgroups = HostTraces.jobCgroupsOf(pid);
            assertThat(HostTraces.processesIn(cgroups)).as("processes in the child's job cgroups").isNotEmpty();
            // While it runs: no workspace mounted on the host, no spill file with a name.
            assertThat(HostTraces.jobletMounts(pid)).isEmpty();
            assertThat(HostTraces.jobletFiles(pid)).isEmpty();
            assertThat(names(spill)).isEmpty();
        } finally {
            jvm.destroyForcibly(); // SIGKILL
        }
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long killed = System.nanoTime();
        List<ProcessHandle> alive = procs;
        java.util.Set<Long> inCgroups = HostTraces.processesIn(cgroups);
        while ((!alive.isEmpty() || !inCgroups.isEmpty()) && System.nanoTime() - killed < BOUND_NANOS) {
            Thread.sleep(10);
            alive = alive.stream().filter(NothingSurvivesAKilledJvmTest::running).collect(Collectors.toList());
            inCgroups = HostTraces.processesIn(cgroups);
        }
        assertThat(alive.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")))
                .as("processes of the killed JVM still running 2 s after SIGKILL").isEmpty();
        assertThat(inCgroups).as("processes in its cgroups 2 s after SIGKILL").isEmpty();
        assertThat(HostTraces.jobletMounts(pid)).isEmpty();
        assertThat(HostTraces.jobletFiles(pid)).isEmpty();
        assertThat(names(spill)).as("the spill directory").isEmpty();
        // The next program on the host sweeps the dead JVM's empty cgroup directories at its first job.
        Process next = java("--once");
        List<String> nextOut = java.util.Collections.synchronizedList(new ArrayList<>());
        awaitLine(next, "ONCE", nextOut);
        assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(nextOut).contains("ONCE 0");
        assertThat(HostTraces.jobCgroupsOf(pid)).as("the killed JVM's job cgroups after the next start").isEmpty();
        assertThat(HostTraces.ownerCgroupsOf(pid)).as("its owner directories after the next start").isEmpty();
    }
}
