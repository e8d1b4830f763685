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
 * @param writable whether the job may write to it; a writable volume whose source the job's host user may not
 *     write is refused before the job starts (jobs run as an unprivileged host user, see {@link #ownedByJob()})
 * @param handedToJob whether the source is handed to the job: see {@link #ownedByJob()}
 */
public record Volume(Path source, String target, boolean writable, boolean handedToJob) {
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

    /** A volume that Joblet does not hand over: the source keeps its owner (see {@link #ownedByJob()}). */
    public Volume(Path source, String target, boolean writable) {
        this(source, target, writable, false);
    }

    /**
     * This volume, writable and handed to the job. Jobs run as an unprivileged host user (by default one of their
     * own, a different uid for each job), so a writable volume on a directory of another user (root's, say) is
     * refused before the job starts. With this, when each job with the volume starts, Joblet gives the source
     * itself to the job's host uid and gid ({@code chown}, through the descriptor it resolved with no link in the
     * path, so never through a link; nothing else is changed: not its mode, not what is in it).
     *
     * <p>This changes the host: the source stays owned by that uid after the job; the next job with it takes it
     * over; files an earlier job made inside keep their owner (the earlier job's uid), so a later job may not be
     * able to change them. Hand over only a directory (or file) that is yours to give and that only jobs use, such
     * as a {@link #named} volume or a directory you made for the job; the JVM must be allowed to {@code chown}
     * (root, or a rootless JVM whose jobs are its own uid). The alternative that changes nothing on the host: make
     * the source writable for the job's user (e.g. mode 1777, as {@link #named} volumes are).
     *
     * @throws IllegalArgumentException when the source is {@code /} or a top-level directory ({@code /srv},
     *     {@code /home}, ...), which are never handed over
     */
    public Volume ownedByJob() {
        return new Volume(source, target, true, true);
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
        if (handedToJob && !writable) {
            throw new IllegalArgumentException("volume source (" + source + ") is handed to the job: it must be writable");
        }
        if (handedToJob && source.normalize().getNameCount() < 2) {
            throw new IllegalArgumentException("volume source (" + source + ") handed to a job must be below a"
                    + " top-level directory: / and its entries are never handed over");
        }
        for (String reserved : new String[] {"/proc", "/dev"}) {
            if (target.equals(reserved) || target.startsWith(reserved + "/")) {
                throw new IllegalArgumentException("volume target (" + target + ") must not be under " + reserved);
            }
        }
    }
}
