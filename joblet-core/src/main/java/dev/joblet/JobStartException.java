package dev.joblet;

import org.jspecify.annotations.Nullable;

/**
 * A job could not start; nothing of it remains. The message names the job, the command, the step that
 * failed and the errno, e.g. {@code cannot start job 3f2a1b2c "python3": mount proc on /proc: EPERM
 * (Operation not permitted)}.
 */
public final class JobStartException extends JobletException {
    private static final long serialVersionUID = 1L;

    private final String step;
    private final @Nullable String errnoName;
    private final boolean commandNotFound;

    public JobStartException(String message, String step, @Nullable String errnoName, boolean commandNotFound,
            @Nullable Throwable cause) {
        super(message, cause);
        this.step = step;
        this.errnoName = errnoName;
        this.commandNotFound = commandNotFound;
    }

    /** The step that failed, e.g. "mount proc on /proc", "execve python3", "create cgroup". */
    public String step() {
        return step;
    }

    /** The errno name (e.g. "EPERM") when an OS call failed. */
    public @Nullable String errnoName() {
        return errnoName;
    }

    /** True when the command was not found in the runtime (a shell would exit 127). */
    public boolean isCommandNotFound() {
        return commandNotFound;
    }
}
