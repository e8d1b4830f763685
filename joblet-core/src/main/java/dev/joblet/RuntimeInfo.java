package dev.joblet;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An installed runtime as {@link Runtimes} finds it. Immutable.
 *
 * @param name the runtime's name (its directory name)
 * @param directory the runtime's directory under the runtimes root
 * @param rootfs the tree jobs get as their root: {@code directory/rootfs}, or the directory itself when it has no
 *     manifest
 * @param manifest the parsed manifest; null when the runtime has none or it does not parse (see {@code problems})
 * @param sizeBytes bytes used by the runtime's files, or -1 when not measured ({@link Runtimes#list()} does not)
 * @param problems what {@link Runtimes#validate} found wrong; empty when the runtime is usable
 */
public record RuntimeInfo(String name, Path directory, Path rootfs, @Nullable RuntimeManifest manifest, long sizeBytes,
        List<String> problems) {
    public RuntimeInfo {
        problems = List.copyOf(problems);
    }

    public Optional<RuntimeManifest> manifestIfAny() {
        return Optional.ofNullable(manifest);
    }

    public boolean isValid() {
        return problems.isEmpty();
    }
}
