package dev.joblet;

import java.nio.file.Path;

/**
 * A host directory or file made visible inside a job. Read-only unless asked. Immutable.
 *
 * @param source an absolute host path, which must exist when the job starts
 * @param target an absolute path inside the job
 * @param writable whether the job may write to it
 */
public record Volume(Path source, String target, boolean writable) {
    public Volume {
        if (!source.isAbsolute()) {
            throw new IllegalArgumentException("volume source (" + source + ") must be an absolute path");
        }
        if (!target.startsWith("/") || target.equals("/") || target.contains("/../") || target.endsWith("/..")
                || target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("volume target (" + target + ") must be an absolute path below /");
        }
        for (String reserved : new String[] {"/proc", "/dev"}) {
            if (target.equals(reserved) || target.startsWith(reserved + "/")) {
                throw new IllegalArgumentException("volume target (" + target + ") must not be under " + reserved);
            }
        }
    }
}
