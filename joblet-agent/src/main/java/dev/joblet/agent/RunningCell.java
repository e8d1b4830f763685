package dev.joblet.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** One running cell: written by the reader thread only, published through {@link #result}; owned by its {@link LiveInterpreter}. */
final class RunningCell {
    final Language language;
    final OutputListener listener;
    final OutputTail out;
    final OutputTail err;
    final long startNanos = System.nanoTime();
    final CompletableFuture<CellResult> result = new CompletableFuture<>();
    @Nullable String value;
    CellResult.@Nullable Failure error;

    RunningCell(Language language, OutputListener listener, int limit) {
        this.language = language;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.out = new OutputTail(limit);
        this.err = new OutputTail(limit);
    }

    void output(boolean stdout, byte[] chunk) {
        String text = (stdout ? out : err).add(chunk);
        if (!text.isEmpty()) {
            if (stdout) {
                listener.stdout(text);
            } else {
                listener.stderr(text);
            }
        }
    }

    void done(String status, boolean restarted, String rest) {
        Integer exit = null;
        String message = rest;
        if (language == Language.BASH && rest.matches("[0-9]+")) {
            exit = Integer.parseInt(rest);
            message = "";
        }
        CellResult.Status s;
        switch (status) {
            case "ok":
                s = CellResult.Status.OK;
                break;
            case "timeout":
                s = CellResult.Status.TIMED_OUT;
                break;
            case "interrupted":
                s = CellResult.Status.INTERRUPTED;
                break;
            case "crashed":
                s = CellResult.Status.CRASHED;
                break;
            default:
                s = CellResult.Status.ERROR;
        }
        complete(s, restarted, message, exit);
    }

    void crash(String why) {
        complete(CellResult.Status.CRASHED, true, why + "; a new sandbox starts with the next call, background processes ended", null);
    }

    private void complete(CellResult.Status s, boolean restarted, String message, @Nullable Integer exit) {
        result.complete(new CellResult(language, s, out, err, value, error, restarted, message, exit,
                Duration.ofNanos(System.nanoTime() - startNanos)));
    }
}
