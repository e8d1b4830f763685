package dev.joblet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A host directory or file made visible inside a job. Read-only unless asked. Immutable.
 *
 * @param source an absolute host path, which must exist when the job starts, with no symbolic link in it nor as
 *     it (the helper resolves it once and binds from that descriptor: a job that planted links or renames paths in
 *     a directory cannot choose what is bound)
 * @param target an absolute path inside the job
 * @param writable whether the job may write to it
 */
public record Volume(Path source, String target, boolean writable) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * A named persistent volume: the directory {@code <volumes root>/<name>} (created when missing), writable, at
     * {@code /volumes/<name>}, under the default volumes root ({@link JobletConfig#fromSystemProperties()}'s:
     * the system property {@code joblet.volumes}, else {@code JOBLET_VOLUMES}, else {@code volumes} next to the
     * runtimes root). For another instance's root: {@link Joblet#volume(String)}.
     */
    public static Volume named(String name) {
        return named(name, volumesRoot());
    }

    static Volume named(String name, Path root) {
        dev.joblet.internal.Args.nonNull(name, "volume name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("volume name (" + name + ") must be letters, digits, '.', '_' or '-'");
        }
        Path dir = root.resolve(name);
        if (Volumes.isManaged(root, name)) { // a sized volume: its filesystem, mounted again if need be
            try {
                return new Volumes(root, Path.of("/proc")).mount(name);
            } catch (JobletException e) {
                throw new UncheckedIOException(new IOException(e.getMessage(), e));
            }
        }
        try {
            if (!Files.isDirectory(root)) {
                // Only root (and the jobs, through their bind mounts) reach the volumes.
                Files.createDirectories(root,
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                // Jobs run as an unprivileged user (nobody by default): like /tmp, anyone in a job may write, and
                // the sticky bit keeps one job user from removing another's files.
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
                Files.setAttribute(dir, "unix:mode", 01777);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the volume " + dir + ": " + e.getMessage(), e);
        }
        try {
            // The volumes root is the operator's: its real path, as a volume source may hold no link (see RootPlan).
            return new Volume(root.toRealPath().resolve(name), "/volumes/" + name, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve the volumes root " + root + ": " + e.getMessage(), e);
        }
    }

    /** Where {@link #named} volumes live: {@link JobletConfig#fromSystemProperties()}'s volumes root, read now. */
    public static Path volumesRoot() {
        return JobletConfig.fromSystemProperties().volumesRoot();
    }

    public Volume {
        dev.joblet.internal.Args.nonNull(source, "volume source");
        dev.joblet.internal.Args.nonNull(target, "volume target");
        if (!source.isAbsolute()) {
            throw new IllegalArgumentException("volume source (" + source + ") must be an absolute path");
        }
        if (!target.startsWith("/") || target.equals("/") || target.contains("/../") || target.endsWith("/..")
                || target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("volume target (" + target.replace('\0', '?') + ") must be an absolute path"
                    + " below /");
        }
        for (String reserved : new String[] {"/proc", "/dev"}) {
            if (target.equals(reserved) || target.startsWith(reserved + "/")) {
                throw new IllegalArgumentException("volume target (" + target + ") must not be under " + reserved);
            }
        }
    }
}
