package dev.joblet.engine;

import dev.joblet.JobSpec;
import dev.joblet.engine.SchedulingView.Placement;
import java.util.Optional;

/**
 * The replaceable part of a {@link JobEngine}: which waiting job starts next, and on which cores. The engine owns
 * the queue, the clock, the core pool and every invariant (a core is held by at most one exclusive job; a job
 * starts once); the policy only chooses. {@link #standard()} is the default.
 *
 * <p>Implementations are called with the engine's lock held, from any thread, one call at a time per engine: they
 * must be quick, must not block and must not call back into the engine. They may keep state, guarded by that
 * serialisation.
 */
public interface SchedulingPolicy {

    /**
     * Chooses one job of {@link SchedulingView#waiting()} to start now, with the cores it gets, or empty to start
     * nothing until something changes (a job ends, is submitted, becomes due or is cancelled). The engine calls it
     * again after every placement, until it answers empty.
     *
     * <p>The engine refuses (and logs) a placement that names a job not waiting, gives an exclusive job cores that
     * are not free in its pool or not as many as it asked for, or gives cores to a job that asked for none; nothing
     * more starts in that round.
     */
    Optional<Placement> next(SchedulingView view);

    /**
     * Rejects, at submission, a job this policy could never start (for example one whose memory limit exceeds the
     * budget), with an {@link IllegalArgumentException} naming the field and the value. The default accepts all.
     */
    default void validate(JobSpec spec, SubmitOptions options) {}

    /** The default policy with its defaults; see {@link StandardPolicy#builder()} to configure it. */
    static SchedulingPolicy standard() {
        return StandardPolicy.builder().build();
    }
}
