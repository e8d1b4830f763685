package dev.joblet;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The read-only root filesystem a job runs in. Immutable.
 *
 * <ul>
 *   <li>{@link #host()}: the host's system directories (/usr, /bin, /lib*, /sbin and the parts of /etc
 *       programs need), read-only; nothing else of the host.
 *   <li>{@link #directory(Path)}: a prepared root tree; each of its top-level entries is bound read-only.
 *   <li>{@link #named(String)}: a directory of that name under the {@linkplain #runtimesRoot() runtimes root},
 *       holding a {@link RuntimeManifest} and the tree in {@code rootfs/} (see {@link Runtimes}).
 * </ul>
 */
public final class JobRuntime {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final JobRuntime HOST = new JobRuntime("host", null);

    private final String name;
    private final @Nullable Path directory;

    private JobRuntime(String name, @Nullable Path directory) {
        this.name = name;
        this.directory = directory;
    }

    /** The host's system directories, read-only: works anywhere, needs nothing prepared. */
    public static JobRuntime host() {
        return HOST;
    }

    /** A named runtime under the runtimes root; whether it exists is checked when a job starts. */
    public static JobRuntime named(String name) {
        dev.joblet.internal.Args.nonNull(name, "runtime");
        if (name.equals("host")) {
            return HOST;
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("runtime (" + name + ") must be a name of letters, digits, '.', '_' or '-'");
        }
        return new JobRuntime(name, null);
    }

    /** A prepared root tree at an absolute path. */
    public static JobRuntime directory(Path root) {
        dev.joblet.internal.Args.nonNull(root, "runtime directory");
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("runtime directory (" + root + ") must be an absolute path");
        }
        return new JobRuntime(root.toString(), root.normalize());
    }

    /**
     * The default runtimes root ({@link JobletConfig#fromSystemProperties()}'s, read at each call): the system property
     * {@code joblet.runtimes}, else the environment variable {@code JOBLET_RUNTIMES}, else
     * {@code /var/lib/joblet/runtimes} for root and {@code $XDG_DATA_HOME/joblet/runtimes} (default
     * {@code ~/.local/share/joblet/runtimes}) for other users. A job resolves a {@link #named} runtime when it starts,
     * against the runtimes root of the {@link Joblet} that starts it.
     */
    public static Path runtimesRoot() {
        return JobletConfig.fromSystemProperties().runtimesRoot(); // read now: what Joblet.system() is made with
    }

    public String name() {
        return name;
    }

    @SuppressWarnings("ReferenceEquality") // HOST is one instance: identity is what this asks
    public boolean isHost() {
        return this == HOST;
    }

    /** Whether this is a {@link #directory(Path)} runtime (not looked up under the runtimes root). */
    boolean isDirectory() {
        return directory != null;
    }

    /** The root directory, resolving a named runtime against {@link #runtimesRoot()}; null for the host. */
    @Nullable Path resolveDirectory() {
        return resolveDirectory(runtimesRoot());
    }

    /** The root directory, resolving a named runtime against {@code root}; null for the host. */
    @Nullable Path resolveDirectory(Path root) {
        if (isHost()) {
            return null;
        }
        return directory != null ? directory : root.resolve(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobRuntime && ((JobRuntime) o).name.equals(name)
                && Objects.equals(((JobRuntime) o).directory, directory);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
