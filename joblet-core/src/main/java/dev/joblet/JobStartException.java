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

    /**
     * The failure to start a job, in the one form every start failure's message has:
     * {@code cannot start job 3f2a1b2c "python3": DETAIL}; the id or the program is left out when it is not known
     * (yet) where the start failed.
     */
    static JobStartException cannotStart(@Nullable JobId job, @Nullable String program, String detail, String step,
            @Nullable String errnoName, @Nullable Throwable cause) {
        return new JobStartException(message(job, program, detail), step, errnoName, false, cause);
    }

    /** The message of {@link #cannotStart}, for a refusal that is not a JobStartException (a closed instance). */
    static String message(@Nullable JobId job, @Nullable String program, String detail) {
        return "cannot start job" + (job == null ? "" : " " + job.shortForm())
                + (program == null ? "" : " \"" + program + "\"") + ": " + detail;
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
