package dev.joblet.examples.rnx;

import dev.joblet.JobletException;
import dev.joblet.RuntimeInfo;
import dev.joblet.RuntimeInstaller;
import dev.joblet.RuntimeManifest;
import dev.joblet.Runtimes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rnx runtime list|info|validate|remove|install}: the runtimes under the runtimes root. */
@Command(name = "runtime", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
        description = {"Lists, inspects, validates, removes and builds runtimes (read-only root trees for jobs).",
            "Runtimes live under /var/lib/joblet/runtimes for root (~/.local/share/joblet/runtimes otherwise; "
                + "JOBLET_RUNTIMES or -Djoblet.runtimes=DIR to change it)."},
        subcommands = {RuntimeCommand.ListCmd.class, RuntimeCommand.InfoCmd.class, RuntimeCommand.ValidateCmd.class,
            RuntimeCommand.RemoveCmd.class, RuntimeCommand.InstallCmd.class, RuntimeTestCommand.class, HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  rnx runtime install python-3.11-ml", "  rnx runtime list", "  rnx runtime test python-3.11-ml",
            "  rnx job run --runtime=python-3.11-ml python3 -c 'import numpy; print(numpy.__version__)'"})
final class RuntimeCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;

    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Rnx.EXIT_USAGE;
    }

    /** Options every runtime subcommand takes. */
    abstract static class Sub implements Callable<Integer> {
        @Spec
        @SuppressWarnings("NullAway.Init")
        CommandSpec spec;

        @Option(names = "--root", paramLabel = "DIR", description = "The runtimes root (default: see 'rnx runtime --help').")
        @Nullable Path root;

        Runtimes store() {
            return root == null ? Runtimes.system() : Runtimes.at(root.toAbsolutePath());
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public Integer call() {
            try {
                return run();
            } catch (IOException | JobletException e) {
                err().println("rnx runtime " + spec.name() + ": " + e.getMessage());
                return EXIT_FAILED;
            } catch (IllegalArgumentException e) {
                err().println("rnx runtime " + spec.name() + ": " + e.getMessage());
                return Rnx.EXIT_USAGE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err().println("rnx runtime " + spec.name() + ": interrupted");
                return EXIT_FAILED;
            }
        }

        abstract int run() throws IOException, JobletException, InterruptedException;
    }

    @Command(name = "list", description = "Lists the installed runtimes.", mixinStandardHelpOptions = true)
    static final class ListCmd extends Sub {
        @Override
        int run() throws IOException {
            List<RuntimeInfo> all = store().list();
            if (all.isEmpty()) {
                err().println("no runtimes under " + store().root() + " (rnx runtime install python-3.11-ml builds one)");
                return 0;
            }
            out().printf("%-24s %-32s %s%n", "NAME", "VERSION", "DESCRIPTION");
            for (RuntimeInfo r : all) {
                RuntimeManifest m = r.manifest();
                String desc = r.isValid() ? (m == null ? "(no manifest)" : m.description()) : "INVALID: " + r.problems().get(0);
                out().printf("%-24s %-32s %s%n", r.name(), m == null ? "-" : m.version(), desc);
            }
            return 0;
        }
    }

    @Command(name = "info", description = "Shows a runtime's manifest, location and size.", mixinStandardHelpOptions = true)
    static final class InfoCmd extends Sub {
        @Parameters(paramLabel = "NAME")
        @SuppressWarnings("NullAway.Init")
        String name;

        @Override
        int run() throws IOException {
            RuntimeInfo r = store().info(name).orElse(null);
            if (r == null) {
                err().println("rnx runtime info: runtime " + name + " is not installed under " + store().root()
                        + " (installed: " + String.join(", ", store().names()) + ")");
                return EXIT_FAILED;
            }
            RuntimeManifest m = r.manifest();
            out().println("name:        " + r.name());
            out().println("version:     " + (m == null ? "-" : m.version()));
            out().println("description: " + (m == null ? "-" : m.description()));
            out().println("directory:   " + r.directory());
            out().println("root tree:   " + r.rootfs());
            out().println("size:        " + String.format(Locale.ROOT, "%.1f MiB", r.sizeBytes() / 1048576.0));
            if (m != null) {
                m.env().forEach((k, v) -> out().println("env:         " + k + "=" + v));
                m.mounts().forEach(v -> out().println("mount:       " + v.source() + " -> " + v.target()
                        + (v.writable() ? " (rw)" : " (ro)")));
            }
            r.problems().forEach(p -> out().println("problem:     " + p));
            return r.isValid() ? 0 : EXIT_FAILED;
        }
    }

    @Command(name = "validate", description = "Checks a runtime; exits 1 and lists the problems when it is not usable.",
            mixinStandardHelpOptions = true)
    static final class ValidateCmd extends Sub {
        @Parameters(paramLabel = "NAME")
        @SuppressWarnings("NullAway.Init")
        String name;

        @Override
        int run() throws IOException {
            List<String> problems = store().validate(name);
            if (problems.isEmpty()) {
                out().println(name + ": ok");
                return 0;
            }
            problems.forEach(p -> err().println(name + ": " + p));
            return EXIT_FAILED;
        }
    }

    @Command(name = "remove", description = "Removes a runtime (it disappears at once; its files are then deleted).",
            mixinStandardHelpOptions = true)
    static final class RemoveCmd extends Sub {
        @Parameters(paramLabel = "NAME")
        @SuppressWarnings("NullAway.Init")
        String name;

        @Override
        int run() throws IOException {
            if (!store().remove(name)) {
                err().println("rnx runtime remove: runtime " + name + " is not installed under " + store().root());
                return EXIT_FAILED;
            }
            out().println("removed " + name);
            return 0;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Builds a runtime from this host's Debian release with mmdebstrap, from the mirror the host's "
                + "apt uses, inside a job (never in the host's root). Does nothing when it is installed and valid.",
                "Known: python-3.11 (python3, bash, coreutils, procps), python-3.11-ml (+ numpy, pandas, scikit-learn)."})
    static final class InstallCmd extends Sub {
        @Parameters(paramLabel = "NAME")
        @SuppressWarnings("NullAway.Init")
        String name;

        @Option(names = "--force", description = "Rebuilds it even when it is installed.")
        boolean force;

        @Option(names = {"-q", "--quiet"}, description = "Does not show mmdebstrap's progress.")
        boolean quiet;

        @Override
        @SuppressWarnings("try") // the hook is held, not used: closing it ends the interrupt on shutdown
        int run() throws IOException, JobletException, InterruptedException {
            RuntimeInstaller.recipe(name);
            RuntimeInstaller.Result r;
            // Ctrl-C or SIGTERM: the build is interrupted, stops its job and deletes its directory before rnx exits.
            try (InterruptOnShutdown hook = InterruptOnShutdown.of(Thread.currentThread())) {
                r = RuntimeInstaller.into(store()).install(name, force,
                        () -> err().println("building " + name + " under " + store().root() + " ..."), line -> {
                            if (!quiet) {
                                err().println("  " + line);
                            }
                        });
            }
            String size = String.format(Locale.ROOT, "%.1f MiB", r.sizeBytes() / 1048576.0);
            if (r.built()) {
                out().printf(Locale.ROOT, "installed %s in %.1f s (%s) at %s%n", name, r.took().toMillis() / 1000.0, size,
                        r.directory());
            } else {
                out().println(name + " is already installed (" + size + ") at " + r.directory() + "; --force rebuilds it");
            }
            return 0;
        }
    }
}
