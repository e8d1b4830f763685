package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The line and text views and the log spill with real jobs. */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobLogViewsTest {
    @TempDir
    Path parent;

    @Test
    void aSpilledLogKeepsTheWholeHistoryBeyondMemoryUntilTheJobIsClosed() throws Exception {
        // about 17 MB of numbered lines, far more than memory retains (2 x 64 KiB)
        String command = "seq 1 2500000";
        long size;
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofKilobytes(64)).logSpill(parent).command("bash", "-c", command)
                .start()) {
            assertThat(job.await().exitCode()).hasValue(0);
            assertThat(HostTraces.unnamedFilesIn(parent)).as("the spill's unnamed files (data, chunk index, stream index)").hasSize(3);
            try (Stream<Path> named = Files.list(parent)) {
                assertThat(named).as("names in the spill directory").isEmpty(); // a killed JVM leaves nothing here
            }
            while (!job.logs().isEnded()) {
                Thread.sleep(10);
            }
            size = job.logs().size();
            assertThat(size).isGreaterThan(10 * 128 * 1024);
            assertThat(job.logs().retainedFrom()).isZero();
            try (Stream<LogLine> lines = job.logs().lines()) {
                long[] expect = {1};
                lines.forEach(l -> {
                    assertThat(l.lostBefore()).isZero();
                    assertThat(l.text()).isEqualTo(Long.toString(expect[0]++));
                });
                assertThat(expect[0]).isEqualTo(2_500_001);
            }
            LogText head = job.logs().text(LogEvent.Source.STDOUT, MemorySize.ofBytes(10)).get(60, TimeUnit.SECONDS);
            assertThat(head.text()).isEqualTo("1\n2\n3\n4\n5\n");
            assertThat(head.truncated()).isTrue();
            assertThat(head.totalBytes()).isEqualTo(size);
            assertThat(head.lost()).isZero();
        }
        assertThat(HostTraces.unnamedFilesIn(parent)).as("the spill's files after close").isEmpty();
        try (Stream<Path> left = Files.list(parent)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void withoutSpillTheOldestLinesAreReportedLostNotSilentlyDropped() throws Exception {
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofKilobytes(64)).command("seq", "1", "500000").start()) {
            job.await();
            List<LogLine> lines = job.logs().lines().collect(Collectors.toList());
            assertThat(lines.get(0).lostBefore()).isEqualTo(job.logs().retainedFrom()).isPositive();
            assertThat(lines.get(lines.size() - 1).text()).isEqualTo("500000");
        }
    }

    @Test
    void theLinesOfBothStreamsAndTheTextOfOne() throws Exception {
        try (Job job = Joblet.builder().command("bash", "-c", "echo out; echo err >&2; printf 'no newline'").start()) {
            job.await();
            assertThat(job.logs().lines().map(l -> l.source() + " " + l.text() + " " + l.complete()))
                    .containsExactlyInAnyOrder("STDOUT out true", "STDERR err true", "STDOUT no newline false");
            LogText out = job.logs().text(LogEvent.Source.STDOUT, MemorySize.ofKilobytes(4)).get(30, TimeUnit.SECONDS);
            assertThat(out.text()).isEqualTo("out\nno newline");
            assertThat(out.truncated()).isFalse();
        }
    }

    @Test
    void aSpillDirectoryThatCannotBeCreatedStopsTheStartNamingIt() {
        Path missing = parent.resolve("missing");
        assertThatThrownBy(() -> Joblet.builder().logSpill(missing).command("true").start())
                .isInstanceOf(JobStartException.class).hasMessageContaining("log spill").hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> Joblet.builder().logSpill(Path.of("relative")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logSpill (relative)");
    }
}
