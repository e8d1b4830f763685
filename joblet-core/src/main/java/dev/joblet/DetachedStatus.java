package dev.joblet;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What is known of a detached job at one moment, read from its state directory. Immutable.
 *
 * @param id the job's id
 * @param name its name, or "" for none
 * @param command its command line
 * @param state its state (see {@link State})
 * @param started when it was started (the JVM's clock)
 * @param ended when it ended (cancelled); for a {@link State#LOST} job the last time it was known to run; else null
 * @param reason how it ended: {@code exited}, {@code signal}, {@code timeout}, {@code oom}, {@code stopped}; for a
 *     {@link State#LOST} job what is known; null while it runs
 * @param exitCode its exit code, or -1 when it did not exit (signal) or has not ended
 * @param signal the signal that ended it, or 0
 * @param usage its final usage once ended ({@link Usage#NONE}'s -1 for what is not known)
 * @param stdoutBytes bytes the job wrote to stdout (logged or not), known once ended, else -1
 * @param stderrBytes the same for stderr
 * @param logCut whether the log was cut (its cap reached, or a write failed: {@code logErrno})
 * @param logErrno the errno that cut the log early (a full disk: 28), 0 for the cap or none
 * @param runtime the runtime it runs in
 * @param limits its limits, as text ({@code cpu=50% memory=64MiB pids=100}, "" for none)
 * @param timeout its timeout, or null
 * @param supervisorPid its supervisor's pid (0 before the supervisor reported)
 * @param scheduledAt when a scheduled job starts (or was to start), or null for one started at once
 */
public record DetachedStatus(JobId id, String name, List<String> command, State state, Instant started,
        @Nullable Instant ended, @Nullable String reason, int exitCode, int signal, Usage usage, long stdoutBytes,
        long stderrBytes, boolean logCut, int logErrno, String runtime, String limits, @Nullable Duration timeout,
        int supervisorPid, @Nullable Instant scheduledAt) {
    /** The states of a detached job. */
    public enum State {
        /** Its supervisor waits for its start time ({@link DetachOptions#startAt()}); {@link DetachedJob#cancel()}
         * ends the wait. */
        SCHEDULED,
        /** Its directory is made and its supervisor has not reported yet (the launch is under way). */
        STARTING,
        /** Its supervisor runs and the job has not ended. */
        RUNNING,
        /** It ended and its supervisor recorded how. */
        ENDED,
        /** Its supervisor is gone without recording an end (killed, or the host rebooted), or its start never
         * finished: what is left can be deleted. */
        LOST,
        /** It was cancelled while scheduled: it never started, nothing of it is left but this record. */
        CANCELLED
    }

    public DetachedStatus {
        command = List.copyOf(command);
    }

    public Optional<Instant> endedAt() {
        return Optional.ofNullable(ended);
    }

    public Optional<Instant> scheduledFor() {
        return Optional.ofNullable(scheduledAt);
    }

    public Optional<String> endReason() {
        return Optional.ofNullable(reason);
    }

    /** How long it ran (until now while it runs; zero while scheduled or once cancelled; a lost job's stops growing). */
    public Duration runtimeSoFar() {
        if (state == State.SCHEDULED || state == State.CANCELLED) {
            return Duration.ZERO;
        }
        Instant end = ended != null ? ended : Instant.now();
        return end.isBefore(started) ? Duration.ZERO : Duration.between(started, end);
    }

    /** Whether it is over: ended, lost or cancelled. */
    public boolean hasEnded() {
        return state == State.ENDED || state == State.LOST || state == State.CANCELLED;
    }
}
