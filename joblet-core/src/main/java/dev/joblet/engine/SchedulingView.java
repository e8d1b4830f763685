package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.JobId;
import dev.joblet.JobSpec;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link SchedulingPolicy} sees when it chooses: valid only during the call that received it (the lists
 * are read-only views of the engine's state, not copies).
 */
public interface SchedulingView {

    /** The engine clock's current time. */
    Instant now();

    /** Jobs whose start time has come, in the order they became due. */
    List<WaitingJob> waiting();

    /** Jobs the engine has started and that have not ended (STARTING or RUNNING). */
    List<RunningJob> running();

    /** The engine's pool of cores for exclusive jobs. */
    CpuSet corePool();

    /** Cores of the pool that no exclusive job holds (a copy). */
    BitSet freeCores();

    /** The {@code n} lowest-numbered free cores, or empty when fewer than {@code n} are free. */
    default Optional<CpuSet> lowestFreeCores(int n) {
        BitSet free = freeCores();
        if (n <= 0 || free.cardinality() < n) {
            return Optional.empty();
        }
        BitSet pick = new BitSet();
        for (int i = free.nextSetBit(0), k = 0; k < n; i = free.nextSetBit(i + 1), k++) {
            pick.set(i);
        }
        return Optional.of(CpuSet.of(pick));
    }

    /**
     * A job waiting to start. Immutable.
     *
     * @param sequence submission order within the engine (unique, increasing)
     */
    record WaitingJob(JobId id, JobSpec spec, SubmitOptions options, Instant submittedAt, Instant notBefore,
            long sequence) {}

    /** A started job; {@code cores} are the exclusive cores it holds, if any. Immutable. */
    record RunningJob(JobId id, JobSpec spec, SubmitOptions options, @Nullable CpuSet cores) {}

    /**
     * A decision: start {@code job}, pinned to {@code cores} (required, and exactly as many as it asked for, when
     * it asked for exclusive cores; null otherwise). Immutable.
     */
    record Placement(WaitingJob job, @Nullable CpuSet cores) {
        public static Placement of(WaitingJob job) {
            return new Placement(job, null);
        }

        public static Placement of(WaitingJob job, CpuSet cores) {
            return new Placement(job, cores);
        }
    }
}
