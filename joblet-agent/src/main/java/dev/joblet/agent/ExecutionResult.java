package dev.joblet.agent;

import dev.joblet.EndReason;
import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.LogStream;
import dev.joblet.Usage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The outcome of one snippet, as one value: stdout and stderr (each capped; the <em>last</em> bytes are kept,
 * since errors come at the end, and truncation is flagged with the total size), the end reason, exit code or
 * signal, the duration and the resource usage. Immutable.
 */
public final class ExecutionResult {
    private final String stdout;
    private final String stderr;
    private final long stdoutBytes;
    private final long stderrBytes;
    private final boolean stdoutTruncated;
    private final boolean stderrTruncated;
    private final JobResult job;

    private ExecutionResult(Stream out, Stream err, JobResult job) {
        this.stdout = out.text;
        this.stdoutBytes = out.total;
        this.stdoutTruncated = out.truncated;
        this.stderr = err.text;
        this.stderrBytes = err.total;
        this.stderrTruncated = err.truncated;
        this.job = job;
    }

    static ExecutionResult of(Job job, JobResult result, int outputLimit) {
        return new ExecutionResult(Stream.of(job.stdout(), outputLimit), Stream.of(job.stderr(), outputLimit), result);
    }

    /** One stream's retained tail, cut to the limit. */
    private static final class Stream {
        final String text;
        final long total;
        final boolean truncated;

        private Stream(String text, long total, boolean truncated) {
            this.text = text;
            this.total = total;
            this.truncated = truncated;
        }

        static Stream of(LogStream s, int limit) {
            long total = s.size();
            byte[] kept = s.text().getBytes(StandardCharsets.UTF_8);
            if (kept.length > limit) {
                kept = Arrays.copyOfRange(kept, kept.length - limit, kept.length);
            }
            return new Stream(new String(kept, StandardCharsets.UTF_8), total, total > limit || s.truncated());
        }
    }

    /** The job's stdout, or its last bytes when {@link #stdoutTruncated()}. */
    public String stdout() {
        return stdout;
    }

    public String stderr() {
        return stderr;
    }

    /** Bytes the snippet wrote to stdout in all, including those not kept. */
    public long stdoutBytes() {
        return stdoutBytes;
    }

    public long stderrBytes() {
        return stderrBytes;
    }

    public boolean stdoutTruncated() {
        return stdoutTruncated;
    }

    public boolean stderrTruncated() {
        return stderrTruncated;
    }

    /** Why the snippet ended: EXITED, SIGNALLED, OOM_KILLED, TIMED_OUT or STOPPED. */
    public EndReason reason() {
        return job.reason();
    }

    /** The exit code, when the snippet exited by itself. */
    public OptionalInt exitCode() {
        return job.exitCode();
    }

    /** The signal that killed the snippet, when it was killed. */
    public OptionalInt signal() {
        return job.signal();
    }

    /** Why the job ended, in words, for reasons other than EXITED (e.g. "timed out after 5 s"). */
    public String message() {
        return job.message();
    }

    /** True when the snippet exited with code 0. */
    public boolean isSuccess() {
        return job.isSuccess();
    }

    public Duration duration() {
        return job.duration();
    }

    public Usage usage() {
        return job.usage();
    }

    /** The underlying job result (job id, timestamps). */
    public JobResult jobResult() {
        return job;
    }

    /**
     * The result as text for a model: a status line, then stdout and stderr with truncation notes, e.g.
     * <pre>
     * status: EXITED, exit code 1, 23 ms
     * stdout:
     * 42
     * stderr:
     * Traceback ...
     * </pre>
     */
    public String toToolText() {
        StringBuilder sb = new StringBuilder("status: ").append(reason());
        exitCode().ifPresent(c -> sb.append(", exit code ").append(c));
        signal().ifPresent(s -> sb.append(", signal ").append(s));
        sb.append(", ").append(duration().toMillis()).append(" ms");
        if (!message().isEmpty()) {
            sb.append(" (").append(message()).append(')');
        }
        sb.append('\n');
        appendStream(sb, "stdout", stdout, stdoutBytes, stdoutTruncated);
        appendStream(sb, "stderr", stderr, stderrBytes, stderrTruncated);
        return sb.toString();
    }

    private static void appendStream(StringBuilder sb, String name, String text, long total, boolean truncated) {
        sb.append(name).append(':');
        if (truncated) {
            sb.append(" [truncated: last ").append(text.getBytes(StandardCharsets.UTF_8).length).append(" of ")
                    .append(total).append(" bytes]");
        }
        sb.append('\n').append(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            sb.append('\n');
        }
    }

    @Override
    public String toString() {
        return "ExecutionResult{" + reason() + exitCode().stream().mapToObj(c -> " exit=" + c).findFirst().orElse("")
                + ", stdout " + stdoutBytes + " bytes" + (stdoutTruncated ? " (truncated)" : "") + ", stderr " + stderrBytes
                + " bytes" + (stderrTruncated ? " (truncated)" : "") + "}";
    }
}
