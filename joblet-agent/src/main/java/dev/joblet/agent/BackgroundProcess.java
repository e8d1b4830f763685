package dev.joblet.agent;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A process started in the background of a session ({@link SandboxSession#start}): it runs beside later cells (same
 * sandbox, same {@code /work}, same network) until it ends, is killed, or the session closes. Its output is kept
 * (the last {@link Sandbox#outputLimit()} bytes of each stream) and streamed to its listener. Thread-safe.
 */
public final class BackgroundProcess {
    private final String id;
    private final String command;
    private final OutputListener listener;
    private final LiveInterpreter owner;
    private final OutputTail out; // guarded by this
    private final OutputTail err; // guarded by this
    private final CompletableFuture<String> end = new CompletableFuture<>();

    BackgroundProcess(String id, String command, OutputListener listener, LiveInterpreter owner, int outputLimit) {
        this.id = id;
        this.command = command;
        this.listener = listener;
        this.owner = owner;
        this.out = new OutputTail(outputLimit);
        this.err = new OutputTail(outputLimit);
    }

    /** The session-unique id of this process (e.g. {@code b1}). */
    public String id() {
        return id;
    }

    /** The bash command line it runs. */
    public String command() {
        return command;
    }

    /** Its stdout so far (the last bytes when long). */
    public synchronized String stdout() {
        return out.text();
    }

    public synchronized String stderr() {
        return err.text();
    }

    public boolean isAlive() {
        return !end.isDone();
    }

    /**
     * Waits for the process to end, at most {@code timeout}; gives how it ended ({@code "exit 0"}, {@code "signal 9"},
     * or why the session ended it), or empty when it still runs.
     */
    public Optional<String> waitFor(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(end.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Completes when the process ended, with how it ended (as {@link #waitFor}). */
    public CompletableFuture<String> onExit() {
        return end.copy();
    }

    /** The exit code once it exited by itself; 128 + n when killed by signal n; empty while it runs. */
    public Optional<Integer> exitCode() {
        @Nullable String how = end.getNow(null);
        if (how == null) {
            return Optional.empty();
        }
        String[] w = how.split(" ");
        if (w.length == 2 && w[1].matches("[0-9]+")) {
            return Optional.of(w[0].equals("exit") ? Integer.parseInt(w[1]) : 128 + Integer.parseInt(w[1]));
        }
        return Optional.of(137); // ended with the session's sandbox: killed
    }

    /** Kills the process and its children (SIGKILL to its process group); no-op once ended. */
    public void kill() {
        if (isAlive()) {
            owner.kill(id);
        }
    }

    void output(boolean stdout, byte[] chunk) {
        String text;
        synchronized (this) {
            text = (stdout ? out : err).add(chunk);
        }
        if (!text.isEmpty()) {
            if (stdout) {
                listener.stdout(text);
            } else {
                listener.stderr(text);
            }
        }
    }

    void ended(String how) {
        end.complete(how);
    }

    @Override
    public String toString() {
        return "BackgroundProcess{" + id + (isAlive() ? ", running" : ", " + end.getNow("")) + "}";
    }
}
