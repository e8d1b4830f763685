package dev.joblet.agent;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one cell run by a session's live interpreter ({@link SandboxSession#runCode}): stdout and stderr
 * (each the last {@link Sandbox#outputLimit()} bytes), the value of the last expression as a notebook shows it
 * ({@code sum(range(10))} gives {@code "45"}; Python and Node.js only), the error with its traceback, and how the
 * cell ended. Immutable.
 */
public final class CellResult {
    /** How a cell ended. */
    public enum Status {
        /** Ran to its end. */
        OK,
        /** Raised an error (Python, Node.js) or ended with a non-zero status (bash); the session's state is kept. */
        ERROR,
        /** Ran past its timeout and was interrupted; the session's state is kept unless {@link #restarted()}. */
        TIMED_OUT,
        /** Interrupted on request (the calling thread was interrupted); the state is kept. */
        INTERRUPTED,
        /** The interpreter died (e.g. {@code os._exit}, a segfault, memory): it was restarted with empty state. */
        CRASHED
    }

    /** An error a cell raised: its type name (e.g. {@code ZeroDivisionError}), message and formatted traceback. */
    public record Failure(String name, String message, String traceback) {
        public Failure {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(traceback, "traceback");
        }
    }

    private final Language language;
    private final Status status;
    private final String stdout;
    private final String stderr;
    private final long stdoutBytes;
    private final long stderrBytes;
    private final @Nullable String value;
    private final @Nullable Failure error;
    private final boolean restarted;
    private final String message;
    private final @Nullable Integer exitCode;
    private final Duration duration;

    CellResult(Language language, Status status, OutputTail out, OutputTail err, @Nullable String value,
            @Nullable Failure error, boolean restarted, String message, @Nullable Integer exitCode, Duration duration) {
        this.language = language;
        this.status = status;
        this.stdout = out.text();
        this.stderr = err.text();
        this.stdoutBytes = out.total();
        this.stderrBytes = err.total();
        this.value = value;
        this.error = error;
        this.restarted = restarted;
        this.message = message;
        this.exitCode = exitCode;
        this.duration = duration;
    }

    public Language language() {
        return language;
    }

    public Status status() {
        return status;
    }

    /** True when the cell ran to its end without an error. */
    public boolean isSuccess() {
        return status == Status.OK;
    }

    /** The cell's stdout, or its last bytes when longer than the sandbox's output limit. */
    public String stdout() {
        return stdout;
    }

    public String stderr() {
        return stderr;
    }

    public long stdoutBytes() {
        return stdoutBytes;
    }

    public long stderrBytes() {
        return stderrBytes;
    }

    /** The last expression's value ({@code repr} in Python, {@code util.inspect} in Node.js), unless none/None. */
    public Optional<String> value() {
        return Optional.ofNullable(value);
    }

    /** The error the cell raised, with its traceback (Python, Node.js). */
    public Optional<Failure> error() {
        return Optional.ofNullable(error);
    }

    /** True when the interpreter was restarted after this cell: variables and imports of earlier cells are gone. */
    public boolean restarted() {
        return restarted;
    }

    /** Why the cell ended, in words, for statuses other than OK and ERROR (e.g. the crash and restart); else "". */
    public String message() {
        return message;
    }

    /** The exit status of a bash cell (its last command's). */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    public Duration duration() {
        return duration;
    }

    /**
     * The result as text for a model: a status line, the value, then stdout and stderr (the traceback is there), e.g.
     * <pre>
     * status: OK, 3 ms
     * value: 45
     * stdout:
     * stderr:
     * </pre>
     */
    public String toToolText() {
        StringBuilder sb = new StringBuilder("status: ").append(status);
        exitCode().ifPresent(c -> sb.append(", exit code ").append(c));
        sb.append(", ").append(duration.toMillis()).append(" ms");
        if (!message.isEmpty()) {
            sb.append(" (").append(message).append(')');
        }
        sb.append('\n');
        if (value != null) {
            sb.append("value: ").append(value).append('\n');
        }
        append(sb, "stdout", stdout, stdoutBytes);
        append(sb, "stderr", stderr, stderrBytes);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String name, String text, long total) {
        sb.append(name).append(':');
        int kept = text.getBytes(StandardCharsets.UTF_8).length;
        if (kept < total) {
            sb.append(" [truncated: last ").append(kept).append(" of ").append(total).append(" bytes]");
        }
        sb.append('\n').append(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            sb.append('\n');
        }
    }

    @Override
    public String toString() {
        return "CellResult{" + language + " " + status + (restarted ? " (restarted)" : "") + (value != null ? ", value" : "")
                + ", stdout " + stdoutBytes + " bytes, stderr " + stderrBytes + " bytes}";
    }
}
