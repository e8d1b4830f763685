package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.engine.JobEngine;
import dev.joblet.engine.JobHandle;
import dev.joblet.engine.JobState;
import dev.joblet.engine.SubmitOptions;
import dev.joblet.internal.Args;
import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Huge durations (300 years, {@code Long.MAX_VALUE} seconds) given to {@code timeout}, {@code stopGrace},
 * {@code stop(d)}, {@code await(d)} and the engine's {@code startAfter} never overflow once a job runs: each saturates
 * at {@link Args#FOREVER} (about 292 years), the job keeps a working handle, and stopping or closing it leaves no
 * process behind. Negative ones are rejected before anything starts, naming the field and the value.
 */
class HugeDurationsNeverLeaveAJobBehindTest {

    static Stream<Duration> huge() {
        return Stream.of(Duration.ofDays(365L * 300), Duration.ofSeconds(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999));
    }

    /** PID 1 handles TERM, so a stop with any grace ends it by itself, without the SIGKILL. */
    private static final String[] TERM_HANDLER = {"sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.05; done"};

    @ParameterizedTest
    @MethodSource("huge")
    void theBuilderSaturatesTimeoutAndStopGrace(Duration d) {
        JobSpec spec = Joblet.builder().command("true").timeout(d).stopGrace(d).build();
        assertThat(spec.timeout()).contains(Args.FOREVER);
        assertThat(spec.stopGrace()).isEqualTo(Args.FOREVER);
        assertThat(Args.FOREVER.toNanos()).isEqualTo(Long.MAX_VALUE);
        // Short ones are kept as they are.
        assertThat(Joblet.builder().command("true").timeout(Duration.ofSeconds(5)).build().timeout())
                .contains(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @MethodSource("huge")
    @NeedsRoot("for namespaces and cgroups")
    void aJobWithHugeTimeoutAndGraceStartsAndStopsWithNothingLeft(Duration d) throws Exception {
        Job job = Joblet.builder().command(TERM_HANDLER).timeout(d).stopGrace(d).start();
        int pid = job.pid();
        try {
            assertThat(job.isAlive()).isTrue();
            assertThat(job.await(Duration.ofMillis(200))).as("the huge timeout has not fired").isEmpty();
            // A huge grace: SIGTERM now, the SIGKILL scheduled at the saturated delay, never an overflow.
            job.stop(d);
            Optional<JobResult> r = job.await(d); // a huge wait returns as soon as the job has ended
            assertThat(r).isPresent();
            assertThat(r.get().reason()).isEqualTo(EndReason.STOPPED);
            assertThat(r.get().exitCode()).hasValue(3);
        } finally {
            job.close();
        }
        assertThat(job.isAlive()).isFalse();
        assertThat(Files.exists(Path.of("/proc/" + pid))).as("the job's process is gone").isFalse();
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void badGracesAndWaitsAreRejectedAndTheJobStaysInHand() throws Exception {
        Job job = Joblet.builder().command("sleep", "30").start();
        int pid = job.pid();
        try {
            assertThatThrownBy(() -> job.stop(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("grace (PT-1S) must not be negative");
            assertThatThrownBy(() -> job.stop(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("grace (null)");
            assertThatThrownBy(() -> job.await(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("await timeout (null)");
            // A negative wait does not wait, however negative; it does not overflow either.
            assertThat(job.await(Duration.ofSeconds(Long.MIN_VALUE))).isEmpty();
            assertThat(job.isAlive()).as("a rejected stop stops nothing").isTrue();
        } finally {
            job.close();
        }
        assertThat(job.isAlive()).isFalse();
        assertThat(Files.exists(Path.of("/proc/" + pid))).isFalse();
    }

    @Test
    void theEngineSaturatesAHugeStartAfterAndCancelsTheJob() throws Exception {
        try (JobEngine engine = JobEngine.builder().build()) {
            JobHandle h = engine.submit(Joblet.builder().command("true").build(),
                    SubmitOptions.defaults().startAfter(Duration.ofSeconds(Long.MAX_VALUE)));
            assertThat(h.status().state()).isEqualTo(JobState.SCHEDULED);
            assertThat(h.status().notBefore()).isEqualTo(java.time.Instant.MAX);
            assertThat(h.cancel()).isTrue();
            assertThatThrownBy(() -> h.result().get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(java.util.concurrent.CancellationException.class);
            assertThat(h.status().state()).isEqualTo(JobState.CANCELLED);
        }
    }
}
