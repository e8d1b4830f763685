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
 *   <li>{@link #named(String)}: a directory of that name under the runtimes root
 *       ({@code /var/lib/joblet/runtimes}, or the system property {@code joblet.runtimes}).
 * </ul>
 */
public final class Runtime {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Runtime HOST = new Runtime("host", null);

    private final String name;
    private final @Nullable Path directory;

    private Runtime(String name, @Nullable Path directory) {
        this.name = name;
        this.directory = directory;
    }

    /** The host's system directories, read-only: works anywhere, needs nothing prepared. */
    public static Runtime host() {
        return HOST;
    }

    /** A named runtime under the runtimes root; whether it exists is checked when a job starts. */
    public static Runtime named(String name) {
        Objects.requireNonNull(name, "runtime");
        if (name.equals("host")) {
            return HOST;
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("runtime (" + name + ") must be a name of letters, digits, '.', '_' or '-'");
        }
        return new Runtime(name, null);
    }

    /** A prepared root tree at an absolute path. */
    public static Runtime directory(Path root) {
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("runtime directory (" + root + ") must be an absolute path");
        }
        return new Runtime(root.toString(), root.normalize());
    }

    /** The runtimes root that {@link #named} resolves against. */
    public static Path runtimesRoot() {
        return Path.of(System.getProperty("joblet.runtimes", "/var/lib/joblet/runtimes"));
    }

    public String name() {
        return name;
    }

    public boolean isHost() {
        return this == HOST;
    }

    /** The root directory, resolving a named runtime against {@link #runtimesRoot()}; null for the host. */
    @Nullable Path resolveDirectory() {
        if (this == HOST) {
            return null;
        }
        return directory != null ? directory : runtimesRoot().resolve(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Runtime && ((Runtime) o).name.equals(name)
                && Objects.equals(((Runtime) o).directory, directory);
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
