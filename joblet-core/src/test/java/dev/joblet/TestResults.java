package dev.joblet;

import java.time.Instant;

/** Builds {@link JobResult}s for fakes in other test packages (its constructor is package-private). */
public final class TestResults {
    private TestResults() {}

    public static JobResult of(JobId id, EndReason reason, int exitCode) {
        Instant now = Instant.now();
        return new JobResult(id, reason, exitCode, 0, now, now, reason == EndReason.EXITED ? "" : reason.name(), Usage.NONE);
    }
}
