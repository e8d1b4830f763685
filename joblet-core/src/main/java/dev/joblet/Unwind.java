package dev.joblet;

import java.util.ArrayDeque;

/**
 * What a start has acquired so far, undone in reverse order when the start fails: the Java form of C's cleanup
 * attributes. Each acquisition {@link #push pushes} its undo right after it succeeded; a start that succeeds hands
 * everything to its owner with {@link #release()}, after which {@link #close()} does nothing; a start that fails
 * leaves its try-with-resources block, and {@link #close()} runs every undo, last pushed first.
 *
 * <p>Every undo runs even when an earlier one failed: the first failure is thrown with the later ones
 * {@linkplain Throwable#addSuppressed suppressed} in it (and, as try-with-resources does, that one is then suppressed
 * in the failure that ended the start). Undos run with the thread's interrupt flag cleared, so that an interrupt
 * (often the very reason the start failed) cannot cut a cleanup short, and the flag is restored after. Not
 * thread-safe: one start, one thread.
 */
final class Unwind implements AutoCloseable {

    /** Undoes one acquisition. */
    @FunctionalInterface
    interface Undo {
        void run() throws Exception;
    }

    private final ArrayDeque<Undo> undos = new ArrayDeque<>();
    private boolean released;

    /** Adds the undo of what was just acquired; it runs before every undo pushed earlier. */
    void push(Undo undo) {
        if (released) {
            throw new IllegalStateException("push after release: the start is over");
        }
        undos.push(undo);
    }

    /** The start succeeded: what was acquired now belongs to its owner, and {@link #close()} undoes nothing. */
    void release() {
        released = true;
        undos.clear();
    }

    /** How many undos are waiting (for tests). */
    int size() {
        return undos.size();
    }

    /**
     * Runs every undo, last pushed first (none after {@link #release()}); idempotent.
     *
     * @throws RuntimeException the first undo's failure (a checked one in an {@link UnwindException}), with the
     *     later failures suppressed in it; an {@link Error} as it is
     */
    @Override
    public void close() {
        if (undos.isEmpty()) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        Throwable failure = null;
        try {
            while (!undos.isEmpty()) {
                Undo undo = undos.pop();
                try {
                    undo.run();
                } catch (Exception | Error e) {
                    if (failure == null) {
                        failure = e instanceof RuntimeException || e instanceof Error ? e : new UnwindException(e);
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure != null) {
            throw (RuntimeException) failure;
        }
    }

    /** A checked failure to undo something a failed start had made. */
    static final class UnwindException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnwindException(Throwable cause) {
            super("cannot undo what a failed start had made: " + cause, cause);
        }
    }
}
