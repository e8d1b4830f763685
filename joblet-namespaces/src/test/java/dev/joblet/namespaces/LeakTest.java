package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * After a job ends nothing of it remains in the JVM or on the host: no fd, thread, child process, mount
 * or temporary file. Measured after a warm-up job, which pays the one-time costs (the event loop thread,
 * the helper's memfd, libc).
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root to create namespaces and mounts")
class LeakTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();

    private static final int JOBS = 500;

    /** What a job could leave behind, measured at one moment. */
    record Footprint(int fds, int threads, List<Long> children, String mounts, List<String> tmp, List<String> shm,
            List<String> staging, long loops) {
        static Footprint now() throws IOException {
            return new Footprint(TestJobs.openFds(), TestJobs.javaThreads(),
                    TestJobs.children().stream().map(ProcessHandle::pid).collect(Collectors.toList()),
                    leakableMounts(), ours("/tmp"), ours("/dev/shm"),
                    list(TestJobs.STAGING), TestJobs.loopThreads());
        }

        private static List<String> list(String dir) throws IOException {
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                return s.map(Path::toString).sorted().collect(Collectors.toList());
            }
        }

        /**
         * Mounts a job could leak into the JVM's namespace: on the staging path, or any proc or devpts. The
         * network namespaces that private networks (in joblet-core, another JVM perhaps) pin under /run/netns are
         * not the launcher's and are left out.
         */
        private static String leakableMounts() throws IOException {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> !l.contains(" /run/netns/"))
                    .filter(l -> l.contains("joblet") || l.contains(" - proc ") || l.contains(" - devpts "))
                    .collect(Collectors.joining("\n"));
        }

        /** Entries this library or its native glue could create (the host's /tmp is shared with others). */
        private static List<String> ours(String dir) throws IOException {
            return list(dir).stream()
                    .filter(n -> n.matches(".*/(.*joblet.*|jffi.*|jnr.*|memfd.*)"))
                    .collect(Collectors.toList());
        }
    }

    @BeforeEach
    void warmUp() throws Exception {
        TestJobs.released(launcher.launch(TestJobs.request("true").build(), OutputHandler.DISCARD));
        catchThrowableOfType(LaunchException.class,
                () -> launcher.launch(TestJobs.request("nosuchcmd").build(), OutputHandler.DISCARD));
    }

    private static void assertUnchanged(Footprint before) throws Exception {
        // onExit completes once the supervisor is reaped and every fd closed. Only the test's own pool
        // threads may take a moment to leave /proc/self/task after awaitTermination: wait for them (bounded).
        Footprint after = Footprint.now();
        for (int i = 0; i < 40 && after.threads() != before.threads(); i++) {
            Thread.sleep(50);
            after = Footprint.now();
        }
        assertThat(after.fds()).as("open fds").isEqualTo(before.fds());
        assertThat(after.threads()).as("Java threads").isEqualTo(before.threads());
        assertThat(after.children()).as("child processes").isEqualTo(before.children());
        assertThat(after.mounts()).as("the JVM's mount table").isEqualTo(before.mounts());
        assertThat(after.tmp()).as("/tmp").isEqualTo(before.tmp());
        assertThat(after.shm()).as("/dev/shm").isEqualTo(before.shm());
        assertThat(after.staging()).as("the staging directory").isEqualTo(before.staging()).isEmpty();
        assertThat(after.loops()).as("event loop threads (one per launcher)").isEqualTo(before.loops());
    }

    @Test
    void fiveHundredSequentialJobsLeaveNoFdThreadChildMountOrFile() throws Exception {
        Footprint before = Footprint.now();
        for (int i = 0; i < JOBS; i++) {
            LaunchedProcess p = launcher.launch(TestJobs.request("true").build(), OutputHandler.DISCARD);
            assertThat(TestJobs.released(p)).as("job %s", i).isEqualTo(ExitStatus.exited(0));
        }
        assertUnchanged(before);
    }

    @Test
    void failedLaunchesLeaveNothing() throws Exception {
        Footprint before = Footprint.now();
        for (int i = 0; i < 100; i++) {
            LaunchException e = catchThrowableOfType(LaunchException.class,
                    () -> launcher.launch(TestJobs.request("nosuchcmd").build(), OutputHandler.DISCARD));
            assertThat(e.isCommandNotFound()).isTrue();
        }
        assertUnchanged(before);
    }

    @Test
    void concurrentJobsWithStdinAndOutputLeaveNothing() throws Exception {
        Footprint before = Footprint.now();
        List<CompletableFuture<ExitStatus>> exits = new ArrayList<>();
        List<CompletableFuture<Void>> released = new ArrayList<>();
        List<TestJobs.Collector> outputs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            TestJobs.Collector c = new TestJobs.Collector();
            outputs.add(c);
            LaunchedProcess p = launcher
                    .launch(TestJobs.request("sh", "-c", "cat; echo err >&2").stdin(("job " + i).getBytes()).build(), c);
            exits.add(p.onExit());
            released.add(p.onReleased());
        }
        CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        CompletableFuture.allOf(released.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < exits.size(); i++) {
            assertThat(exits.get(i).get()).isEqualTo(ExitStatus.exited(0));
            assertThat(outputs.get(i).stdout()).isEqualTo("job " + i);
            assertThat(outputs.get(i).stderr()).isEqualTo("err\n");
        }
        assertUnchanged(before);
    }

    @Test
    void launchesFromManyThreadsAtOnceLeaveNothing() throws Exception {
        Footprint before = Footprint.now();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<ExitStatus>> results = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                String cmd = i % 4 == 0 ? "nosuchcmd" : "true";
                results.add(pool.submit(() -> {
                    try {
                        return TestJobs.released(launcher.launch(TestJobs.request(cmd).build(),
                                OutputHandler.DISCARD));
                    } catch (LaunchException e) {
                        return ExitStatus.exited(127);
                    }
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(i % 4 == 0 ? 127 : 0));
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertUnchanged(before);
    }

    @Test
    void whenPid1ExitsItsBackgroundProcessesDieWithIt() throws Exception {
        Footprint before = Footprint.now();
        TestJobs.Collector c = new TestJobs.Collector();
        // The background sleep holds stdout open: the job only ends because the namespace dies with PID 1.
        LaunchedProcess p = launcher.launch(TestJobs.request("sh", "-c", "sleep 60 & echo started").build(), c);
        assertThat(TestJobs.released(p)).isEqualTo(ExitStatus.exited(0));
        assertThat(c.stdout()).isEqualTo("started\n");
        assertThat(c.ends.getCount()).isZero();
        assertUnchanged(before);
    }

    @Test
    void killedJobsLeaveNothing() throws Exception {
        Footprint before = Footprint.now();
        List<LaunchedProcess> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(launcher.launch(TestJobs.request("sh", "-c", "sleep 60 & sleep 60").build(),
                    OutputHandler.DISCARD));
        }
        for (LaunchedProcess p : jobs) {
            p.signal(9);
        }
        for (LaunchedProcess p : jobs) {
            assertThat(TestJobs.released(p)).isEqualTo(ExitStatus.killed(9));
            p.signal(9); // after the end: a no-op, never an error
        }
        assertUnchanged(before);
    }
}
