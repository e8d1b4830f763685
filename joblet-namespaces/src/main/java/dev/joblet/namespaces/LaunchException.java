package dev.joblet.namespaces;

import dev.joblet.namespaces.internal.Native;
import java.io.IOException;

/**
 * A launch failed: the stage, the errno and what the stage was working on. The message reads like
 * {@code mount proc on /proc: EPERM (Operation not permitted)}.
 */
public final class LaunchException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Stage stage;
    private final int errno;
    private final String subject;

    public LaunchException(Stage stage, int errno, String subject) {
        super(format(stage, errno, subject));
        this.stage = stage;
        this.errno = errno;
        this.subject = subject;
    }

    private static String format(Stage stage, int errno, String subject) {
        String what = subject.isEmpty() ? stage.operation() : subject;
        return what + ": " + Native.describe(errno);
    }

    public Stage stage() {
        return stage;
    }

    /** The errno value reported by the failing call. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. {@code ENOENT}. */
    public String errnoName() {
        return Native.errnoName(errno);
    }

    /** What the stage was working on ("mount proc on /proc", "execve nosuchcmd"), or the stage itself. */
    public String subject() {
        return subject.isEmpty() ? stage.operation() : subject;
    }

    /** True when the command could not be found or executed (exec stage, ENOENT / EACCES / ENOEXEC). */
    public boolean isCommandNotFound() {
        return stage == Stage.EXEC && errno == 2;
    }
}
