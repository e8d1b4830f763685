package dev.joblet;

import dev.joblet.cgroups.JobCgroup;
import dev.joblet.namespaces.LaunchedProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A launched job's processes on the host: its PID 1 (through its supervisor) and its cgroup, which the {@link Job}
 * owns and, through this, signals, kills, measures and removes. Thread-safe.
 */
final class JobProcesses {
    private static final Logger log = LoggerFactory.getLogger(JobProcesses.class);
    static final int SIGTERM = 15, SIGKILL = 9;
    /** When a stop's TERM was only blocked by PID 1, how soon it is checked again (see {@link #stop}). */
    private static final Duration RECHECK = Duration.ofMillis(100);

    private final JobId id;
    private final LaunchedProcess process;
    private final @Nullable JobCgroup cgroup;
    /** Started by a warm supervisor, which sits in the job's cgroup (see {@link WarmPool}). */
    private final boolean supervisorInCgroup;
    /** The owner's events threads, where a stop's kill after its grace fires. */
    private final java.util.concurrent.ScheduledExecutorService events;

    JobProcesses(JobId id, LaunchedProcess process, @Nullable JobCgroup cgroup, boolean supervisorInCgroup,
            java.util.concurrent.ScheduledExecutorService events) {
        this.id = id;
        this.process = process;
        this.cgroup = cgroup;
        this.supervisorInCgroup = supervisorInCgroup;
        this.events = events;
    }

    LaunchedProcess process() {
        return process;
    }

    boolean hasCgroup() {
        return cgroup != null;
    }

    void signal(int sig) {
        try {
            process.signal(sig);
        } catch (IOException e) {
            log.debug("job {}: signal {}: {}", id, sig, e.getMessage());
        }
    }

    /**
     * Stops the job: SIGTERM to PID 1 and {@link #kill()} after {@code grace}, or at once when the grace is zero or
     * the TERM cannot reach PID 1; nothing once the job has {@code ended}. Returns at once.
     */
    void stop(Duration grace, BooleanSupplier ended) {
        Runnable kill = () -> {
            if (!ended.getAsBoolean()) {
                kill();
            }
        };
        // A TERM that PID 1 neither catches nor blocks is dropped by the kernel: waiting the grace would be for nothing.
        boolean caught = !grace.isZero() && process.catches(SIGTERM);
        if (grace.isZero() || (!caught && !process.deliverable(SIGTERM))) {
            kill.run();
            return;
        }
        signal(SIGTERM);
        events.schedule(kill, grace.toNanos(), TimeUnit.NANOSECONDS);
        if (!caught && grace.compareTo(RECHECK) > 0) {
            // Only blocked, which may have been for a moment (a shell blocks every signal around a fork): once it is
            // unblocked without a handler or a sigwait, the TERM is gone and the grace would be waited for nothing.
            events.schedule(() -> {
                if (!ended.getAsBoolean() && !process.deliverable(SIGTERM)) {
                    kill();
                }
            }, RECHECK.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** SIGKILL to PID 1, whose death takes every process of its namespace with it, and a kill of the cgroup. */
    void kill() {
        signal(SIGKILL);
        // A warm supervisor shares the job's cgroup: a cgroup kill would take it (and the exit status) too. The
        // namespace's death is enough; should the supervisor fail, the job's end kills the cgroup before removing it.
        if (!supervisorInCgroup) {
            killCgroup();
        }
    }

    /** Kills everything in the cgroup (the supervisor died without reporting: nothing of the job may outlive it). */
    void killCgroup() {
        if (cgroup != null) {
            try {
                cgroup.kill();
            } catch (IOException e) {
                log.debug("job {}: cgroup kill: {}", id, e.getMessage());
            }
        }
    }

    /** {@link #killCgroup()}, unless the job has {@code ended} already. */
    void killCgroupUnless(boolean ended) {
        if (!ended) {
            killCgroup();
        }
    }

    /** What the cgroup measured, less our supervisor when it sat in it; {@link Usage#NONE} without one. */
    Usage usage() {
        if (cgroup != null) {
            try {
                return Usage.of(cgroup.stats(), supervisorInCgroup ? 1 : 0);
            } catch (IOException e) {
                log.warn("job {}: cannot read cgroup statistics: {}", id, e.getMessage());
            }
        }
        return Usage.NONE;
    }

    void removeCgroup() {
        if (cgroup == null) {
            return;
        }
        try {
            cgroup.remove();
        } catch (IOException e) {
            log.warn("job {}: cannot remove cgroup {}: {}", id, cgroup.name(), e.getMessage());
        }
    }
}
