package dev.joblet;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/** How a job ended: the reason, exit code or signal, timing and resource usage. Immutable. */
public final class JobResult {
    private static final int SIGKILL = 9;

    private final JobId jobId;
    private final EndReason reason;
    private final int exitCode;
    private final int signal;
    private final Instant startedAt;
    private final Instant endedAt;
    private final String message;
    private final Usage usage;

    JobResult(JobId jobId, EndReason reason, int exitCode, int signal, Instant startedAt, Instant endedAt,
            String message, Usage usage) {
        this.jobId = Objects.requireNonNull(jobId);
        this.reason = Objects.requireNonNull(reason);
        this.exitCode = exitCode;
        this.signal = signal;
        this.startedAt = startedAt;
        this.endedAt = endedAt;
        this.message = message;
        this.usage = usage;
    }

    /**
     * How job {@code id} of {@code spec} ended: {@code status} is PID 1's (null when unknown, with {@code error}
     * saying why), {@code stopped} why the library ended it, if it did.
     */
    static JobResult of(JobId id, JobSpec spec, dev.joblet.namespaces.@Nullable ExitStatus status,
            @Nullable Throwable error, @Nullable EndReason stopped, Instant startedAt, Instant end, Usage usage) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (status == null && cause instanceof dev.joblet.namespaces.SupervisorDiedException) {
            // Its exit status died with the supervisor: neither an exit code nor a signal is known.
            return new JobResult(id, stopped != null ? stopped : EndReason.SUPERVISOR_DIED, -1, 0, startedAt, end,
                    String.valueOf(cause.getMessage()), usage);
        } else if (status == null) {
            String why = error == null ? "unknown" : String.valueOf(error.getMessage());
            return new JobResult(id, stopped != null ? stopped : EndReason.SIGNALLED, -1, SIGKILL, startedAt, end, why,
                    usage);
        } else if (stopped != null) {
            return new JobResult(id, stopped, status.signalled() ? -1 : status.code(),
                    status.signalled() ? status.code() : 0, startedAt, end,
                    stopped == EndReason.TIMED_OUT ? "timed out after " + human(spec.timeout().orElseThrow()) : "stopped", usage);
        } else if (status.signalled()) {
            boolean oom = status.code() == SIGKILL && usage.oomKills() > 0;
            return new JobResult(id, oom ? EndReason.OOM_KILLED : EndReason.SIGNALLED, -1, status.code(), startedAt, end,
                    oom ? "killed by the kernel: memory limit " + spec.memory().map(String::valueOf).orElse("") + " exceeded"
                            : "killed by signal " + status.code(),
                    usage);
        }
        return new JobResult(id, EndReason.EXITED, status.code(), 0, startedAt, end, "", usage);
    }

    /** A human duration for messages: "250 ms", "2 s", "1.5 s", "1 min 3 s", "2 h 5 min" (never ISO "PT2S"). */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        } else if (ms < 60_000) {
            return ms % 1000 == 0 ? ms / 1000 + " s"
                    : java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
        }
        long s = d.toSeconds();
        if (s < 3600) {
            return s / 60 + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
        }
        long m = s / 60 % 60;
        return s / 3600 + " h" + (m == 0 ? "" : " " + m + " min");
    }

    public JobId jobId() {
        return jobId;
    }

    public EndReason reason() {
        return reason;
    }

    /** PID 1's exit code, when it exited (rather than being killed). */
    public OptionalInt exitCode() {
        return exitCode >= 0 ? OptionalInt.of(exitCode) : OptionalInt.empty();
    }

    /** The signal that killed PID 1, when it was killed. */
    public OptionalInt signal() {
        return signal > 0 ? OptionalInt.of(signal) : OptionalInt.empty();
    }

    /** The shell's view: the exit code, 128 + signal when killed, 127 when the command was not found. */
    public int shellCode() {
        if (exitCode >= 0) {
            return exitCode;
        }
        if (signal > 0) {
            return 128 + signal;
        }
        return reason == EndReason.FAILED_TO_START ? 127 : 1;
    }

    /** True when the job exited with code 0. */
    public boolean isSuccess() {
        return reason == EndReason.EXITED && exitCode == 0;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant endedAt() {
        return endedAt;
    }

    public Duration duration() {
        return Duration.between(startedAt, endedAt);
    }

    /** A human-readable explanation for reasons other than EXITED; empty otherwise. */
    public String message() {
        return message;
    }

    /** Resource usage measured by the job's cgroup ({@link Usage#NONE} when the job had none). */
    public Usage usage() {
        return usage;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("JobResult{").append(jobId.shortForm())
                .append(' ').append(reason);
        exitCode().ifPresent(c -> sb.append(" exit=").append(c));
        signal().ifPresent(s -> sb.append(" signal=").append(s));
        sb.append(" in ").append(duration().toMillis()).append(" ms");
        if (!message.isEmpty()) {
            sb.append(": ").append(message);
        }
        return sb.append('}').toString();
    }
}
