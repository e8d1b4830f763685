package dev.joblet;

/**
 * A managed volume that cannot be used or changed as asked: it does not exist, it exists already, or jobs use it.
 * The message names the volume (and the jobs).
 */
public final class VolumeException extends JobletException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** No volume has that name. */
        NOT_FOUND,
        /** A volume (or a directory of the volumes root) has that name already. */
        EXISTS,
        /** Jobs have it mounted. */
        IN_USE,
        /** The host could not do it (mkfs, mount, the disk). */
        HOST
    }

    private final Reason reason;

    VolumeException(Reason reason, String message, @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
