package dev.joblet;

import dev.joblet.internal.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed runtimes under one runtimes root: list, inspect, validate and remove them. Immutable and
 * thread-safe (the directory it reads is not: installs and removals by others are seen as they happen).
 *
 * <p>Layout: {@code <root>/<name>/runtime.conf} (a {@link RuntimeManifest}) and {@code <root>/<name>/rootfs/}
 * (the tree bound read-only as the job's root). A directory without {@code runtime.conf} is taken as a bare
 * root tree. Entries whose names start with {@code .} are work in progress (builds, removals, the package
 * cache) and are never runtimes: a runtime appears under its name only once it is complete.
 */
public final class Runtimes {
    private static final Logger log = LoggerFactory.getLogger(Runtimes.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path root;

    private Runtimes(Path root) {
        this.root = root;
    }

    /** The runtimes under {@code root} (an absolute path). */
    public static Runtimes at(Path root) {
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("runtimes root (" + root + ") must be an absolute path");
        }
        return new Runtimes(root.normalize());
    }

    /** The runtimes under {@link JobRuntime#runtimesRoot()}, which {@link JobRuntime#named} uses. */
    public static Runtimes system() {
        return at(JobRuntime.runtimesRoot());
    }

    public Path root() {
        return root;
    }

    /** The installed runtimes, sorted by name; sizes are not measured. */
    public List<RuntimeInfo> list() throws IOException {
        List<RuntimeInfo> out = new ArrayList<>();
        for (String name : names()) {
            out.add(inspect(name, false));
        }
        return out;
    }

    /** The names of the installed runtimes, sorted. */
    public List<String> names() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> NAME.matcher(n).matches())
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    /** The runtime of this name with its size measured; empty when not installed. */
    public Optional<RuntimeInfo> info(String name) throws IOException {
        checkName(name);
        if (!Files.isDirectory(root.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(inspect(name, true));
    }

    /**
     * What is wrong with the runtime of this name: an empty list when jobs can use it. A runtime that is not
     * installed is one problem.
     */
    public List<String> validate(String name) throws IOException {
        checkName(name);
        if (!Files.isDirectory(root.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
            return List.of("runtime " + name + " is not installed under " + root);
        }
        return inspect(name, false).problems();
    }

    /**
     * Removes the runtime: it disappears under its name at once (a rename), then its files are deleted. Jobs
     * running on it lose their files. Returns false when it was not installed.
     */
    public boolean remove(String name) throws IOException {
        checkName(name);
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path trash = root.resolve(".removing-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
        Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        Trees.deleteRecursively(trash);
        log.debug("removed runtime {} from {}", name, root);
        return true;
    }

    private RuntimeInfo inspect(String name, boolean measure) throws IOException {
        Path dir = root.resolve(name);
        Path conf = dir.resolve(RuntimeManifest.FILE_NAME);
        List<String> problems = new ArrayList<>();
        RuntimeManifest manifest = null;
        Path rootfs = dir;
        if (Files.exists(conf, LinkOption.NOFOLLOW_LINKS)) {
            rootfs = dir.resolve("rootfs");
            try {
                manifest = RuntimeManifest.read(conf);
                if (!manifest.name().equals(name)) {
                    problems.add(conf + ": field name (" + manifest.name() + ") differs from the directory name " + name);
                }
                for (Volume m : manifest.mounts()) {
                    if (!Files.exists(m.source(), LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(conf + ": field mount: host path " + m.source() + " does not exist");
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        problems.addAll(checkTree(rootfs));
        long size = measure ? Trees.size(dir) : -1;
        return new RuntimeInfo(name, dir, rootfs, manifest, size, problems);
    }

    /** A root tree must be a real directory with {@code usr/} and a shell reachable without leaving it. */
    private static List<String> checkTree(Path rootfs) {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
            problems.add("root tree " + rootfs + " is not a directory");
            return problems;
        }
        if (!Files.isDirectory(rootfs.resolve("usr"), LinkOption.NOFOLLOW_LINKS)) {
            problems.add("root tree " + rootfs + " has no usr/ directory");
        }
        try (Stream<Path> entries = Files.list(rootfs)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (Files.isSymbolicLink(p) && Files.readSymbolicLink(p).isAbsolute()) {
                    problems.add("root tree entry " + p + " is a link to the absolute path " + Files.readSymbolicLink(p)
                            + " (top-level links must be relative)");
                }
            }
        } catch (IOException e) {
            problems.add("cannot list " + rootfs + ": " + e.getMessage());
        }
        return problems;
    }

    private static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("runtime (" + name + ") must be a name of letters, digits, '.', '_' or '-'");
        }
    }

    /** A runtime resolved for a job start: the tree to bind and the manifest, if any. */
    record Resolved(Path rootfs, @Nullable RuntimeManifest manifest) {}

    /** Resolves a non-host runtime for a job; the errors name what is installed. */
    static Resolved resolve(JobRuntime runtime) throws JobStartException {
        return resolve(runtime, JobRuntime.runtimesRoot());
    }

    /** Resolves a non-host runtime for a job, a named one against {@code root}; the errors name what is installed. */
    static Resolved resolve(JobRuntime runtime, Path root) throws JobStartException {
        Path dir = runtime.resolveDirectory(root);
        if (dir == null) {
            throw new IllegalStateException("the host runtime has no directory");
        }
        String subject = "runtime " + runtime.name();
        if (runtime.isDirectory() && !Files.isDirectory(dir)) {
            // A tree the caller named by path: its parent is no runtimes root, so nothing there is "installed".
            throw new JobStartException("runtime directory (" + dir + ") " + (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)
                    ? "is not a directory" : "does not exist") + ": JobRuntime.directory needs a prepared root tree",
                    subject, Files.exists(dir, LinkOption.NOFOLLOW_LINKS) ? "ENOTDIR" : "ENOENT", false, null);
        }
        if (!Files.isDirectory(dir)) {
            String installed;
            try {
                List<String> names = Runtimes.at(dir.getParent() == null ? dir : dir.getParent()).names();
                installed = names.isEmpty() ? "none" : String.join(", ", names);
            } catch (IOException e) {
                installed = "unknown (" + e.getMessage() + ")";
            }
            throw new JobStartException("runtime " + runtime.name() + " is not installed: no directory " + dir
                    + " (installed under " + dir.getParent() + ": " + installed + "; 'rnx runtime install NAME' builds "
                    + "python-3.11 and python-3.11-ml; JobRuntime.host() is the host's system)", subject, "ENOENT", false, null);
        }
        Path conf = dir.resolve(RuntimeManifest.FILE_NAME);
        if (!Files.exists(conf, LinkOption.NOFOLLOW_LINKS)) {
            return new Resolved(dir, null);
        }
        try {
            RuntimeManifest manifest = RuntimeManifest.read(conf);
            Path rootfs = dir.resolve("rootfs");
            if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
                throw new JobStartException("runtime " + runtime.name() + " is broken: " + rootfs + " is not a directory",
                        subject, "ENOENT", false, null);
            }
            return new Resolved(rootfs, manifest);
        } catch (IOException | IllegalArgumentException e) {
            throw new JobStartException("runtime " + runtime.name() + " has a bad manifest: " + e.getMessage(), subject,
                    null, false, e);
        }
    }

    @Override
    public String toString() {
        return "Runtimes{" + root + "}";
    }
}
