package dev.joblet.cgroups;

import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A cgroup operation failed. The message names the file or directory and the cause the kernel gave, e.g.
 * {@code write /sys/fs/cgroup/memory/a/memory.limit_in_bytes: Device or resource busy}, or names the controller
 * and layout when a required controller is missing. Not thread-safe to mutate (as any exception), but carries
 * only immutable state.
 */
public class CgroupException extends IOException {
    private static final long serialVersionUID = 1L;

    private final @Nullable Controller missingController;

    public CgroupException(String message) {
        this(message, null, null);
    }

    public CgroupException(String message, @Nullable Throwable cause) {
        this(message, cause, null);
    }

    /** A failure because {@code missingController} is not available on this host. */
    public CgroupException(String message, @Nullable Throwable cause, @Nullable Controller missingController) {
        super(message, cause);
        this.missingController = missingController;
    }

    /** The controller a limit needs that the host does not offer, if that is why this failed. */
    public Optional<Controller> missingController() {
        return Optional.ofNullable(missingController);
    }
}
