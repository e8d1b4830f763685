package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detached jobs within one JVM: the supervisor's log, status, timeout, OOM, stop and delete. */
@NeedsRoot("for detached jobs' cgroups")
class DetachedJobTest {
    @TempDir
    Path state;
    private Joblet joblet;

    @BeforeEach
    void open() {
        joblet = Joblet.create(JobletConfig.builder().stateRoot(state).build());
    }

    @AfterEach
    void close() throws Exception {
        for (DetachedJob j : joblet.jobs()) {
            j.delete(true);
        }
        joblet.close();
    }

    static String text(List<DetachedLog.Entry> entries, DetachedLog.Stream stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long expected = 0;
        for (DetachedLog.Entry e : entries) {
            if (e.stream() == stream) {
                assertThat(e.offset()).as("offset of a record of " + stream).isEqualTo(expected);
                b.writeBytes(e.data());
                expected += e.data().length;
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void bothStreamsAreLoggedWithOffsetsAndTheExitIsRecorded() throws Exception {
        DetachedJob job = joblet.startDetached(Joblet.builder()
                .command("sh", "-c", "echo out1; echo err1 >&2; sleep 0.2; echo out2; exit 3").build(),
                DetachOptions.DEFAULT.withName("two-streams"));
        assertThat(joblet.get(job.id().shortForm()).id()).isEqualTo(job.id());
        DetachedStatus s = job.await(Duration.ofSeconds(30));
        assertThat(s.state()).as(s.toString()).isEqualTo(DetachedStatus.State.ENDED);
        assertThat(s.exitCode()).isEqualTo(3);
        assertThat(s.reason()).isEqualTo("exited");
        assertThat(s.name()).isEqualTo("two-streams");
        assertThat(s.command()).containsExactly("sh", "-c", "echo out1; echo err1 >&2; sleep 0.2; echo out2; exit 3");
        assertThat(s.stdoutBytes()).isEqualTo(10);
        assertThat(s.stderrBytes()).isEqualTo(5);
        List<DetachedLog.Entry> all = new ArrayList<>();
        long end = job.follow(0, all::add);
        assertThat(end).isEqualTo(Files.size(job.directory().resolve("log")));
        assertThat(text(all, DetachedLog.Stream.STDOUT)).isEqualTo("out1\nout2\n");
        assertThat(text(all, DetachedLog.Stream.STDERR)).isEqualTo("err1\n");
        assertThat(s.usage().cpuUserMicros()).isNotNegative();
        Path dir = job.directory();
        List<Path> cgroups = cgroupsOf(dir);
        job.delete(false);
        assertThat(dir).doesNotExist();
        for (Path cg : cgroups) {
            assertThat(cg).as("cgroup of the job").doesNotExist();
        }
        assertThatThrownBy(() -> joblet.get(job.id().toString())).isInstanceOf(JobLookupException.class)
                .hasMessageContaining(job.id().toString());
    }

    static List<Path> cgroupsOf(Path dir) throws Exception {
        java.util.Properties p = DetachedStore.read(dir, "job");
        List<Path> l = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(p.getProperty("cgroup.count", "0")); i++) {
            l.add(Path.of(p.getProperty("cgroup." + i)));
        }
        return l;
    }
}
