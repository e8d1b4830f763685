package dev.joblet;

import dev.joblet.internal.AptSources;
import dev.joblet.internal.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds named runtimes from the Debian packages of this host's release with {@code mmdebstrap}, using the package
 * mirror the host's apt is configured with. Thread-safe: builds under one runtimes root are serialized by a lock
 * file, across processes too.
 *
 * <p>A build runs as a Joblet job (the host's tools read-only, the host's network, only the build directory and
 * the package cache writable), never in the host's root. It fills {@code <root>/.build-<name>-<random>/}, checks
 * the result by running a job in it, and then renames it to {@code <root>/<name>}: a half-built runtime is never
 * visible under its name. Installing a runtime that is installed and valid does nothing unless forced. A build that
 * fails or whose thread is interrupted stops its job and deletes its directory before {@code install} returns; what a
 * killed process left ({@code .build-*}, {@code .old-*}) is deleted by the next install of that name, and is never
 * taken for an installed runtime.
 * Downloaded packages are kept in {@code <root>/.cache/debs} for the next build.
 */
public final class RuntimeInstaller {
    private static final Logger log = LoggerFactory.getLogger(RuntimeInstaller.class);

    /**
     * A runtime this installer knows how to build; {@code check} is the Python the build runs to accept the tree,
     * {@code imports} the modules {@link #checks()} imports one by one.
     */
    public record Recipe(String name, String description, List<String> packages, String check, List<String> imports) {
        public Recipe {
            packages = List.copyOf(packages);
            imports = List.copyOf(imports);
        }

        /**
         * The smoke checks its manifest declares ({@code rnx runtime test}): the interpreter's version, then each
         * import on its own, so a failure names the module.
         */
        public Map<String, String> checks() {
            Map<String, String> checks = new java.util.LinkedHashMap<>();
            checks.put("python", "python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version; "
                    + "print(sys.version.split()[0])'");
            for (String module : imports) {
                checks.put(module, "python3 -c 'import " + module + "; print(getattr(" + module
                        + ", \"__version__\", \"\"))'");
            }
            return checks;
        }
    }

    private static final List<String> BASE = List.of("bash", "coreutils", "procps", "python3");
    private static final List<Recipe> RECIPES = List.of(
            new Recipe("python-3.11", "Python 3.11 from Debian packages (bash, coreutils, procps)", BASE,
                    "import sys; assert sys.version_info[:2] == (3, 11), sys.version", List.of()),
            new Recipe("python-3.11-ml", "Python 3.11 with numpy, pandas, scikit-learn and pip from Debian packages",
                    concat(BASE, List.of("python3-numpy", "python3-pandas", "python3-sklearn", "python3-pip")),
                    "import sys, numpy, pandas, sklearn; assert sys.version_info[:2] == (3, 11), sys.version",
                    List.of("numpy", "pandas", "sklearn")));

    /** What an install did. */
    public record Result(String name, boolean built, Duration took, long sizeBytes, Path directory) {}

    /** Fills {@code build/rootfs} for a recipe and checks it; returns the Debian suite it was built from. */
    interface BuildStep {
        String build(Recipe recipe, Path build, Consumer<String> progress) throws IOException, JobletException,
                InterruptedException;
    }

    private final Runtimes store;
    private final Path etcApt;
    private final Path osRelease;
    private final Path cache;
    private final @org.jspecify.annotations.Nullable BuildStep step; // null: mmdebstrap, then the recipe's check

    private RuntimeInstaller(Runtimes store, Path etcApt, Path osRelease, Path cache,
            @org.jspecify.annotations.Nullable BuildStep step) {
        this.store = store;
        this.etcApt = etcApt;
        this.osRelease = osRelease;
        this.cache = cache;
        this.step = step;
    }

    /** The same installer building with {@code step} instead of mmdebstrap (tests). */
    RuntimeInstaller withBuildStep(BuildStep value) {
        return new RuntimeInstaller(store, etcApt, osRelease, cache, value);
    }

    /**
     * Installs into {@code store}, with the host's {@code /etc/apt} and {@code /etc/os-release}, caching packages
     * in {@code <root>/.cache/debs}.
     */
    public static RuntimeInstaller into(Runtimes store) {
        return new RuntimeInstaller(store, Path.of("/etc/apt"), Path.of("/etc/os-release"),
                store.root().resolve(".cache").resolve("debs"), null);
    }

    /** The same installer with the downloaded packages kept in {@code dir} (an absolute path) instead. */
    public RuntimeInstaller withCache(Path dir) {
        if (!dir.isAbsolute()) {
            throw new IllegalArgumentException("cache (" + dir + ") must be an absolute path");
        }
        return new RuntimeInstaller(store, etcApt, osRelease, dir, step);
    }

    /** The runtimes this installer can build. */
    public static List<Recipe> recipes() {
        return RECIPES;
    }

    public static Recipe recipe(String name) {
        for (Recipe r : RECIPES) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        List<String> names = new ArrayList<>();
        RECIPES.forEach(r -> names.add(r.name()));
        throw new IllegalArgumentException("runtime (" + name + ") cannot be built; known: " + String.join(", ", names));
    }

    /**
     * Builds and installs the runtime {@code name} unless it is installed and valid ({@code force} rebuilds it).
     *
     * @param progress gets the build's output line by line (mmdebstrap's progress)
     */
    public Result install(String name, boolean force, Consumer<String> progress) throws IOException, JobletException,
            InterruptedException {
        return install(name, force, () -> { }, progress);
    }

    /**
     * Like {@link #install(String, boolean, Consumer)}; {@code building} runs once, just before a build starts (never
     * when the runtime is installed already), e.g. to say "building ...".
     */
    public Result install(String name, boolean force, Runnable building, Consumer<String> progress) throws IOException,
            JobletException, InterruptedException {
        Recipe recipe = recipe(name);
        Path root = store.root();
        Files.createDirectories(root);
        try (FileChannel lockFile = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            Objects.requireNonNull(lock);
            Path dir = root.resolve(name);
            if (!force && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && store.validate(name).isEmpty()) {
                log.debug("runtime {} is installed and valid: nothing to do", name);
                return new Result(name, false, Duration.ZERO, Trees.size(dir), dir);
            }
            sweep(root, name);
            building.run();
            long t0 = System.nanoTime();
            Path build = root.resolve(".build-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectory(build);
            try {
                String suite;
                if (step != null) {
                    suite = step.build(recipe, build, progress);
                } else {
                    suite = debootstrap(recipe, build, progress);
                    check(recipe, build.resolve("rootfs"));
                }
                RuntimeManifest manifest = RuntimeManifest.of(name, "debian " + suite + " " + LocalDate.now(ZoneId.systemDefault()),
                        recipe.description(), Map.of("PYTHONDONTWRITEBYTECODE", "1"), List.of(), recipe.checks());
                Files.writeString(build.resolve(RuntimeManifest.FILE_NAME), manifest.format(), StandardCharsets.UTF_8);
                publish(build, dir);
            } catch (IOException | JobletException | RuntimeException | InterruptedException e) {
                // The build's job is closed by now (try-with-resources); an interrupt must not stop the deletion.
                boolean interrupted = Thread.interrupted();
                try {
                    Trees.deleteRecursively(build);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                } finally {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                throw e;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            long size = Trees.size(dir);
            log.debug("runtime {} built in {} ({} bytes)", name, took, size);
            return new Result(name, true, took, size, dir);
        }
    }

    /** The mirror lines for this host's release, from the host's apt configuration. */
    List<AptSources.Entry> mirrors() throws IOException {
        String codename = AptSources.codename(Files.readString(osRelease, StandardCharsets.UTF_8));
        if (codename == null) {
            throw new IOException(osRelease + " names no VERSION_CODENAME: this is not a Debian release mmdebstrap can build");
        }
        List<AptSources.Entry> entries = AptSources.forRelease(AptSources.read(etcApt), codename);
        if (entries.isEmpty()) {
            throw new IOException("the host's apt (" + etcApt + "/sources.list, sources.list.d) has no source for " + codename
                    + " with component main");
        }
        return entries;
    }

    /** Runs mmdebstrap as a job: the host's tools read-only, its network, only the build dir and the cache writable. */
    private String debootstrap(Recipe recipe, Path build, Consumer<String> progress) throws IOException, JobletException,
            InterruptedException {
        List<AptSources.Entry> mirrors = mirrors();
        String suite = mirrors.get(0).suite();
        Path mmdebstrap = Path.of("/usr/bin/mmdebstrap");
        if (!Files.isExecutable(mmdebstrap)) {
            throw new IOException("mmdebstrap is not installed (apt-get install mmdebstrap)");
        }
        Files.createDirectories(cache);
        List<String> argv = new ArrayList<>(List.of("mmdebstrap", "--mode=root", "--variant=essential",
                "--include=" + String.join(",", recipe.packages()),
                "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
                "--dpkgopt=path-include=/usr/share/locale/locale.alias", "--dpkgopt=path-exclude=/usr/share/doc/*",
                "--dpkgopt=path-include=/usr/share/doc/*/copyright",
                // Reuse and refill the package cache (mmdebstrap's documented recipe).
                "--skip=essential/unlink", "--skip=download/empty",
                "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/",
                "--setup-hook=sync-in /cache /var/cache/apt/archives/",
                "--customize-hook=sync-out /var/cache/apt/archives /cache",
                "--customize-hook=rm -f \"$1\"/var/cache/apt/archives/*.deb",
                // A job's changes go to its own writable layer, never to the runtime: let pip install there (PEP 668).
                "--customize-hook=rm -f \"$1\"/usr/lib/python3*/EXTERNALLY-MANAGED",
                suite, "/build/rootfs"));
        mirrors.forEach(m -> argv.add(m.toLine()));
        JobSpec.Builder b = Joblet.builder()
                .runtime(JobRuntime.host())
                .privileged() // mmdebstrap (mode root) makes device nodes, chroots and runs maintainer scripts as root
                .network(Network.HOST)
                .command(argv)
                .env("TMPDIR", "/build")
                .tmpSize(MemorySize.ofMegabytes(256))
                .timeout(Duration.ofHours(1))
                .volume(new Volume(build, "/build", true))
                .volume(new Volume(cache, "/cache", true));
        for (String etc : List.of("/etc/apt", "/etc/dpkg", "/etc/perl")) {
            if (Files.isDirectory(Path.of(etc))) {
                b.volume(Path.of(etc), etc);
            }
        }
        log.debug("building runtime {}: {}", recipe.name(), argv);
        try (Job job = b.start()) {
            Thread relay = new Thread(() -> relay(job.stderr(), progress), "joblet-runtime-build-log");
            relay.setDaemon(true);
            relay.start();
            JobResult r = job.await();
            relay.join(10_000);
            if (r.reason() != EndReason.EXITED || r.exitCode().orElse(-1) != 0) {
                throw new IOException("mmdebstrap failed (" + r.reason() + " " + r.exitCode() + "): "
                        + tail(job.stderr()));
            }
        }
        return suite;
    }

    /** Runs the recipe's check with the new tree as the job's root. */
    private static void check(Recipe recipe, Path rootfs) throws IOException, JobletException, InterruptedException {
        try (Job job = Joblet.builder().runtime(JobRuntime.directory(rootfs)).command("python3", "-c", recipe.check())
                .timeout(Duration.ofMinutes(5)).start()) {
            JobResult r = job.await();
            if (r.reason() != EndReason.EXITED || r.exitCode().orElse(-1) != 0) {
                throw new IOException("the built runtime " + recipe.name() + " fails its check (" + recipe.check() + "): "
                        + tail(job.stderr()));
            }
        }
    }

    /** Puts the finished build under its name: a rename, after moving an old one (forced reinstall) aside. */
    private static void publish(Path build, Path dir) throws IOException {
        Path old = null;
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            old = dir.resolveSibling(".old-" + dir.getFileName() + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(build, dir, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            Trees.deleteRecursively(old);
        }
    }

    /** Deletes what earlier builds of this name left (a crash, a kill): only done while holding the lock. */
    private static void sweep(Path root, String name) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(".build-" + name + "-") || n.startsWith(".old-" + name + "-")
                        || n.startsWith(".removing-" + name + "-")) {
                    log.info("deleting {} left by an earlier build", p);
                    Trees.deleteRecursively(p);
                }
            }
        }
    }

    private static void relay(LogStream stream, Consumer<String> progress) {
        try (InputStream in = stream.open();
                java.io.BufferedReader r = new java.io.BufferedReader(
                        new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                progress.accept(line);
            }
        } catch (IOException e) {
            log.debug("build log: {}", e.getMessage());
        }
    }

    private static String tail(LogStream stream) {
        try (InputStream in = stream.open()) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return all.length() > 2000 ? "..." + all.substring(all.length() - 2000) : all;
        } catch (IOException e) {
            return "(output lost: " + e.getMessage() + ")";
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
