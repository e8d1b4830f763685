package dev.joblet.engine;

import dev.joblet.CpuSet;
import dev.joblet.engine.SchedulingView.RunningJob;
import dev.joblet.engine.SchedulingView.WaitingJob;
import java.time.Instant;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;

/** The policy's window on a {@link JobEngine}'s {@link Dispatcher}; used only under the engine's lock. */
final class EngineView implements SchedulingView {
    private final EngineClock clock;
    private final CpuSet corePool;
    private final BitSet freeCores;
    private final List<WaitingJob> waitingView;
    private final List<RunningJob> runningView;

    EngineView(EngineClock clock, List<WaitingJob> waiting, List<RunningJob> running, CpuSet corePool,
            BitSet freeCores) {
        this.clock = clock;
        this.waitingView = Collections.unmodifiableList(waiting);
        this.runningView = Collections.unmodifiableList(running);
        this.corePool = corePool;
        this.freeCores = freeCores;
    }

    @Override
    public Instant now() {
        return clock.now();
    }

    @Override
    public List<WaitingJob> waiting() {
        return waitingView;
    }

    @Override
    public List<RunningJob> running() {
        return runningView;
    }

    @Override
    public CpuSet corePool() {
        return corePool;
    }

    @Override
    public BitSet freeCores() {
        return (BitSet) freeCores.clone();
    }
}
