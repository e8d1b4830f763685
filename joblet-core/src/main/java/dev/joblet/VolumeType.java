package dev.joblet;

import java.util.Locale;

/** How a managed volume ({@link Volumes}) holds its bytes and enforces its size. */
public enum VolumeType {
    /**
     * An ext4 filesystem in a sparse image file under the volumes root, loop-mounted: its size is the image's,
     * a write past it fails with ENOSPC inside the image, and the host's disk gains at most the image size. Survives
     * reboots (mounted again on first use).
     */
    FILESYSTEM,
    /**
     * A tmpfs of that size: a write past it fails with ENOSPC; pages count against the memory of the job that
     * wrote them. Survives jobs and JVMs, not a reboot (the volume is then empty).
     */
    MEMORY;

    /** {@code filesystem} or {@code memory} (case-insensitive); the error names the field and the value. */
    public static VolumeType parse(String text) {
        dev.joblet.internal.Args.nonNull(text, "volume type");
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "filesystem" -> FILESYSTEM;
            case "memory" -> MEMORY;
            default -> throw new IllegalArgumentException("volume type (" + text + ") must be filesystem or memory");
        };
    }

    /** The lower-case name, as {@link #parse} reads it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
