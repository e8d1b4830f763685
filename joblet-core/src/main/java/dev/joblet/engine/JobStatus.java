package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.JobId;
import dev.joblet.JobResult;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one job's place in the engine. Immutable.
 *
 * @param id the engine's id of the job; its short form is its default hostname's suffix
 * @param state where it is now
 * @param priority as submitted
 * @param submittedAt when it was submitted (engine clock)
 * @param notBefore its earliest start
 * @param cores the exclusive cores it holds or held, when it asked for some and got them
 * @param startedAt when it was launched, once it was
 * @param result how it ended, once FINISHED
 * @param failure why it could not start (FAILED) or was cancelled (CANCELLED)
 */
public record JobStatus(JobId id, JobState state, int priority, Instant submittedAt, Instant notBefore,
        @Nullable CpuSet cores, @Nullable Instant startedAt, @Nullable JobResult result, @Nullable String failure) {

    public Optional<CpuSet> exclusiveCores() {
        return Optional.ofNullable(cores);
    }

    public Optional<JobResult> jobResult() {
        return Optional.ofNullable(result);
    }
}
