package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A JVM that dies without any chance to clean up (SIGKILL) takes its jobs with it: each supervisor sees
 * its control pipe (the lifeline) reach EOF and kills its job's PID namespace.
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root to create namespaces and mounts")
class JvmDeathTest {
    private static final int JOBS = 3;

    /** The JVM that is killed: launches {@code sleep 1000} jobs, prints their pids, then waits to die. */
    public static final class LaunchingJvm {
        public static void main(String[] args) throws Exception {
            int n = Integer.parseInt(args[0]);
            List<LaunchedProcess> jobs = new ArrayList<>();
            Launcher launcher = Launcher.open(); // never closed: this JVM is killed
            for (int i = 0; i < n; i++) {
                jobs.add(launcher.launch(TestJobs.request("sleep", "1000").build(), OutputHandler.DISCARD));
            }
            for (LaunchedProcess p : jobs) {
                System.out.println("job " + p.pid());
            }
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(120_000); // bounded, in case the test itself is killed before it kills us
            System.exit(3);
        }
    }

    @Test
    void sigkilledJvmLeavesNoJobProcessBehind() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("-Xss"))
                .forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LaunchingJvm.class.getName(),
                Integer.toString(JOBS)));
        Process jvm = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            List<Integer> jobPids = CompletableFuture.supplyAsync(() -> {
                List<Integer> pids = new ArrayList<>();
                try {
                    for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
                        if (line.startsWith("job ")) {
                            pids.add(Integer.parseInt(line.substring(4)));
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return pids;
            }).get(30, TimeUnit.SECONDS);
            assertThat(jobPids).hasSize(JOBS);

            // Identify every process by pid and start time, so a recycled pid does not count as alive.
            Map<Integer, String> jobs = new HashMap<>();
            for (int pid : jobPids) {
                jobs.put(pid, TestJobs.startTime(pid).orElseThrow(() -> new AssertionError("job " + pid + " not running")));
            }
            Map<Integer, String> supervisors = jvm.toHandle().children()
                    .collect(Collectors.toMap(h -> (int) h.pid(), h -> TestJobs.startTime((int) h.pid()).orElse("?")));
            assertThat(supervisors).as("one supervisor per job").hasSize(JOBS);

            jvm.destroyForcibly(); // SIGKILL: no shutdown hooks, no close() calls
            assertThat(jvm.waitFor(10, TimeUnit.SECONDS)).isTrue();

            boolean jobsGone = TestJobs.poll(2000, () -> jobs.entrySet().stream()
                    .allMatch(j -> TestJobs.isGone(j.getKey(), j.getValue())));
            assertThat(jobsGone).as("jobs %s gone within 2 s of the JVM's death", jobs.keySet()).isTrue();
            boolean supervisorsGone = TestJobs.poll(2000, () -> supervisors.entrySet().stream()
                    .allMatch(s -> TestJobs.isGone(s.getKey(), s.getValue()) || isZombie(s.getKey())));
            assertThat(supervisorsGone).as("supervisors %s exited", supervisors.keySet()).isTrue();
        } finally {
            jvm.destroyForcibly();
        }
    }

    /** An exited process not yet reaped by whoever adopted it (outside our control). */
    private static boolean isZombie(int pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }
}
