package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When rnx is SIGKILLed, nothing of its job stays on the host: its workspace (filled by an upload) was never in the
 * host's mount table, its processes die with their supervisor's lifeline, and the supervisor removes its cgroups
 * (and those of the warm supervisors rnx had prepared) within a second or so, not some later rnx.
 */
@NeedsRoot("to run real jobs")
class NothingOfAJobSurvivesItsLauncherTest {
    private static final long BOUND_MILLIS = 2_500;

    @Test
    void afterSigkillOfRnxNoMountCgroupOrProcessOfItsJobRemains(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data.bin");
        try (var out = Files.newOutputStream(data)) {
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 65; i++) {
                out.write(mib);
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--enable-native-access")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Rnx.class.getName(), "job", "run",
                "--upload", data + ":data.bin", "sh", "-c", "ls -l data.bin >/dev/null && echo started && exec sleep 60"));
        Process rnx = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long pid = rnx.pid();
        List<ProcessHandle> processes;
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(rnx.getInputStream(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("started");
            processes = rnx.descendants().toList();
            assertThat(processes).as("rnx's helper and job").anyMatch(p -> p.info().command().orElse("").endsWith("sleep"));
            assertThat(cgroupsOf(pid)).as("the job's cgroups while it runs").isNotEmpty();
            assertThat(mountsOf(pid)).as("the workspace is never in the host's mount table").isEmpty();
        } finally {
            rnx.destroyForcibly(); // SIGKILL
        }
        assertThat(rnx.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        List<Path> cgroups;
        List<ProcessHandle> alive;
        List<String> mounts;
        do {
            Thread.sleep(50);
            cgroups = cgroupsOf(pid);
            alive = processes.stream().filter(ProcessHandle::isAlive).toList();
            mounts = mountsOf(pid);
        } while ((!cgroups.isEmpty() || !alive.isEmpty() || !mounts.isEmpty()) && System.nanoTime() < deadline);
        assertThat(alive).as("processes of the job and its supervisors").isEmpty();
        assertThat(cgroups).as("cgroups of the job and of the warm supervisors").isEmpty();
        assertThat(mounts).as("mounts of the job on the host").isEmpty();
        assertThat(Path.of("/run/joblet/work")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(listNames(p)).noneMatch(n -> n.startsWith("jvm-" + pid + "-")));
    }

    /** Every cgroup directory of the JVM {@code pid}: Joblet names its owner directory jvm-PID-START-NS. */
    private static List<Path> cgroupsOf(long pid) throws IOException {
        String prefix = "jvm-" + pid + "-";
        try (Stream<Path> all = Files.walk(Path.of("/sys/fs/cgroup"), 7)) {
            return all.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith(prefix)
                    && Files.isDirectory(p)).toList();
        } catch (java.io.UncheckedIOException e) {
            return cgroupsOf(pid); // a directory went while it was walked: look again
        }
    }

    /** Lines of the host's mount table naming the JVM {@code pid}'s job mounts (workspaces were /run/joblet/work/jvm-PID-ID). */
    private static List<String> mountsOf(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains("/jvm-" + pid + "-")).toList();
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
