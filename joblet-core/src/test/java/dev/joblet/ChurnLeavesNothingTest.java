package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 jobs of every kind (plain, with output, with a retained workspace and uploads, with a log spill, with
 * background children, stopped, failing to start), from two threads, leave the JVM and the host as they were: fds,
 * threads, child processes, cgroups, mounts, network namespaces and files all back to their count before.
 *
 * <p>Tolerance, only for what is pooled: the library's own threads are fixed-size pools started lazily (I/O, events,
 * log delivery; the warm pool's and the network namespaces' refill threads exit when drained), so they are bounded
 * (at most 8), not counted exactly. The warm pool and the cold starts' network namespaces are drained before each
 * count, so their supervisors, cgroups and namespace fds count as zero both times; everything else is exact.
 */
@NeedsRoot("for namespaces and cgroups")
class ChurnLeavesNothingTest {
    /** This class's own instance: its pools and jobs end with it (nothing carries over to other classes). */
    private final Joblet joblet = Joblet.create();

    @org.junit.jupiter.api.AfterEach
    void closeJoblet() {
        joblet.close();
    }

    private static final int JOBS = 2_000;
    private static final int THREADS = 2;

    @Test
    void twoThousandJobsOfEveryKindLeaveNothing(@TempDir Path spill) throws Exception {
        try (Job warm = joblet.start(Joblet.builder().command("true").build())) { // the one-time costs: threads, helper image
            warm.await();
        }
        joblet.drainPools();
        Joblet.system().drainPools(); // what jobs of other classes left ready there is not counted either
        HostTraces.Footprint before = HostTraces.Footprint.now();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t * (JOBS / THREADS);
                runs.add(pool.submit(() -> {
                    for (int i = first; i < first + JOBS / THREADS; i++) {
                        runOne(i, spill);
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        joblet.drainPools();
        HostTraces.Footprint after = HostTraces.Footprint.now();
        for (int i = 0; i < 40 && !after.equals(before); i++) {
            Thread.sleep(50); // the test's own pool threads may take a moment to leave /proc/self/task
            after = HostTraces.Footprint.now();
        }
        assertThat(after.jobKindFds()).as("pipes, pidfds, epoll and memfds").isEqualTo(before.jobKindFds());
        assertThat(after.netnsFds()).as("network namespaces held by fd").isEqualTo(before.netnsFds());
        // At most as many: a thread of an earlier test class (another instance closed before this one) may end meanwhile.
        assertThat(after.otherThreads()).as("threads other than the library's pools")
                .isLessThanOrEqualTo(before.otherThreads());
        assertThat(HostTraces.libraryThreads()).as("joblet-* threads").isLessThanOrEqualTo(8);
        assertThat(after.children()).as("child processes").isEqualTo(before.children());
        assertThat(after.cgroups()).as("job cgroups").isEqualTo(before.cgroups());
        assertThat(after.mounts()).as("the host's mounts of ours").isEqualTo(before.mounts());
        assertThat(after.files()).as("files of ours under /run/joblet").isEqualTo(before.files());
        assertThat(HostTraces.unnamedFilesIn(spill)).as("spill files still open").isEmpty();
        try (Stream<Path> s = Files.list(spill)) {
            assertThat(s).as("the spill directory").isEmpty();
        }
    }

    private void runOne(int i, Path spill) throws Exception {
        JobSpec.Builder b = Joblet.builder().stopGrace(Duration.ZERO);
        switch (i % 10) {
            case 0 -> b.upload(Upload.bytes(("in " + i).getBytes(StandardCharsets.UTF_8), "in.txt"))
                    .command("sh", "-c", "cat in.txt > out.txt");
            case 1 -> b.logSpill(spill).command("seq", "1", "2000");
            case 2 -> b.command("sleep", "30"); // stopped
            case 3 -> b.command("nosuchcmd"); // fails to start
            case 4 -> b.command("sh", "-c", "sleep 30 & echo $$"); // PID 1 exits, its child dies with the namespace
            case 5 -> b.command("sh", "-c", "echo out; echo err >&2");
            default -> b.command(i % 2 == 0 ? "true" : "printf", "x");
        }
        Job job;
        try {
            job = joblet.start(b.build());
        } catch (JobStartException e) {
            assertThat(i % 10).as("job %s: %s", i, e.getMessage()).isEqualTo(3);
            assertThat(e.isCommandNotFound()).isTrue();
            return;
        }
        try (job) {
            assertThat(i % 10).as("job %s started", i).isNotEqualTo(3);
            if (i % 10 == 2) {
                assertThat(job.stop(Duration.ZERO).get(60, TimeUnit.SECONDS).reason()).isEqualTo(EndReason.STOPPED);
                return;
            }
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.isSuccess()).as("job %s: %s %s", i, r, job.stderr().text()).isTrue();
            if (i % 10 == 0) {
                assertThat(new String(job.workspace().orElseThrow().read("out.txt"), StandardCharsets.UTF_8))
                        .isEqualTo("in " + i);
            } else if (i % 10 == 4) {
                assertThat(job.stdout().text()).isEqualTo("1\n");
            }
        }
    }
}
