package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** After many jobs (finished, failed, stopped) nothing of them remains: fds, threads, children, cgroups. */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and cgroups")
class NothingLeaksTest {
    /** This class's own instance: its pools and jobs end with it (nothing carries over to other classes). */
    private final Joblet joblet = Joblet.create();

    @org.junit.jupiter.api.AfterEach
    void closeJoblet() {
        joblet.close();
    }


    @Test
    void fiveHundredJobsLeaveNothingBehind() throws Exception {
        // warm up: the I/O and events threads and the helper image are created once per JVM
        try (Job warm = joblet.start(Joblet.builder().command("true").build())) {
            warm.await();
        }
        joblet.drainPools(); // the warm pool's supervisors are counted below, after it is drained again
        Joblet.system().drainPools(); // what jobs of other classes left ready there is not counted either
        long fds = HostTraces.jobKindFds();
        long threads = HostTraces.otherThreads();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            JobSpec.Builder b = Joblet.builder().command("sh", "-c", "echo $$");
            if (i % 50 == 1) {
                b.command("sleep", "30"); // stopped below
            }
            if (i % 50 == 2) {
                b.command("nosuchcmd"); // fails to start
            }
            try (Job job = joblet.start(b.build())) {
                ids.add(job.id());
                if (i % 50 == 1) {
                    assertThat(job.stop(Duration.ZERO).get().reason()).isEqualTo(EndReason.STOPPED);
                } else {
                    assertThat(job.await().isSuccess()).isTrue();
                    assertThat(job.stdout().text()).isEqualTo("1\n");
                }
            } catch (JobStartException e) {
                assertThat(e.isCommandNotFound()).isTrue();
            }
        }
        joblet.drainPools();
        assertThat(HostTraces.jobKindFds()).isEqualTo(fds);
        // The library's own threads are fixed-size pools started lazily (I/O, events, log delivery): bounded,
        // whatever the number of jobs. Every other thread count is back where it was.
        assertThat(HostTraces.otherThreads()).isEqualTo(threads);
        assertThat(HostTraces.libraryThreads()).as("joblet-* threads after 500 jobs").isLessThanOrEqualTo(8);
        assertThat(ProcessHandle.current().children().collect(Collectors.toList())).isEmpty();
        assertThat(HostTraces.cgroupsNamed(ids)).isEmpty();
        assertThat(HostTraces.jobCgroupsOf(ProcessHandle.current().pid())).as("the drained warm pool's cgroups").isEmpty();
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).noneMatch(l -> l.contains("/run/joblet/root "));
    }
}
