package dev.joblet;

import org.jspecify.annotations.Nullable;

/** A failure of the operating system or the host while running jobs: a checked exception family. */
public class JobletException extends Exception {
    private static final long serialVersionUID = 1L;

    public JobletException(String message) {
        super(message);
    }

    public JobletException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
