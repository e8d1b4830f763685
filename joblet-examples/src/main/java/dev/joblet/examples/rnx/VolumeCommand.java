package dev.joblet.examples.rnx;

import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.VolumeException;
import dev.joblet.VolumeInfo;
import dev.joblet.VolumeType;
import dev.joblet.Volumes;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rnx volume create|list|remove}: managed, sized volumes ({@link Volumes}). Exit status: 0 done, 1 the host
 * could not do it, 2 bad usage, 3 no volume has that name, 5 it exists already or jobs use it.
 */
@Command(name = "volume", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
        description = {"Managed, sized volumes that jobs mount with 'rnx job run --volume=NAME' (at /volumes/NAME).",
            "Exit status: 0 done, 1 the host could not do it, 2 bad usage, 3 no such volume, 5 it exists already or"
                + " jobs use it."},
        subcommands = {VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Remove.class,
            HelpCommand.class})
final class VolumeCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Rnx.EXIT_USAGE;
    }

    /** The exit status for a volume that cannot be used or changed as asked; the message on stderr. */
    static int failed(CommandSpec spec, VolumeException e) {
        spec.commandLine().getErr().println("rnx: " + e.getMessage());
        return switch (e.reason()) {
            case NOT_FOUND -> DetachedCommands.EXIT_UNKNOWN;
            case EXISTS, IN_USE -> DetachedCommands.EXIT_STATE;
            case HOST -> DetachedCommands.EXIT_IO;
        };
    }

    /** Common to the volume commands: the run's {@link Joblet}, made on first use. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        @SuppressWarnings("NullAway.Init")
        CommandSpec spec;

        final Supplier<Joblet> joblet;

        Base(Supplier<Joblet> joblet) {
            this.joblet = joblet;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
            description = "Creates a volume of SIZE: filesystem (an ext4 image, loop-mounted; survives reboots) or memory"
                    + " (a tmpfs; survives jobs, not reboots). A job writing past SIZE gets ENOSPC.")
    static final class Create extends Base {
        @Parameters(index = "0", paramLabel = "NAME", description = "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64")
        @SuppressWarnings("NullAway.Init")
        String name;

        @Option(names = "--size", required = true, paramLabel = "SIZE",
                description = "megabytes, or with a unit: 512m, 2g (filesystem at least 4m, memory at least 1m)")
        @SuppressWarnings("NullAway.Init")
        String size;

        @Option(names = "--type", paramLabel = "TYPE", defaultValue = "filesystem",
                description = "filesystem (default) or memory")
        String type = "filesystem";

        Create(Supplier<Joblet> joblet) {
            super(joblet);
        }

        @Override
        public Integer call() {
            MemorySize bytes;
            VolumeType kind;
            try {
                bytes = OptionValues.memory(size);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--size: " + e.getMessage());
            }
            try {
                kind = VolumeType.parse(type);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--type: " + e.getMessage());
            }
            VolumeInfo v;
            try {
                v = joblet.get().volumes().create(name, bytes, kind);
            } catch (VolumeException e) {
                return failed(spec, e);
            } catch (IllegalArgumentException e) { // the name, or a size too small or too large for the host
                String what = e.getMessage() != null && e.getMessage().startsWith("volume name") ? "NAME"
                        : "--size (" + size + ")";
                throw new ParameterException(spec.commandLine(), what + ": " + e.getMessage());
            }
            spec.commandLine().getOut().println("created volume " + v.name() + " (" + v.type().label() + ", "
                    + v.size() + ") at " + v.path());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
            description = "Lists the volumes: NAME TYPE SIZE USED JOBS (USED '-': not mounted since the last reboot).")
    static final class ListVolumes extends Base {
        @Option(names = "--json", description = "one JSON object per volume and line")
        boolean json;

        ListVolumes(Supplier<Joblet> joblet) {
            super(joblet);
        }

        @Override
        public Integer call() {
            List<VolumeInfo> all;
            try {
                all = joblet.get().volumes().list();
            } catch (IOException e) {
                spec.commandLine().getErr().println("rnx: cannot list volumes: " + e.getMessage());
                return DetachedCommands.EXIT_IO;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (!json) {
                out.println(String.format("%-24s %-10s %10s %10s %s", "NAME", "TYPE", "SIZE", "USED", "JOBS"));
            }
            for (VolumeInfo v : all) {
                if (json) {
                    StringBuilder jobs = new StringBuilder("[");
                    for (String j : v.jobs()) {
                        jobs.append(jobs.length() > 1 ? "," : "").append(JsonResult.string(j));
                    }
                    out.println("{\"name\":" + JsonResult.string(v.name()) + ",\"type\":"
                            + JsonResult.string(v.type().label()) + ",\"sizeBytes\":" + v.size().bytes()
                            + ",\"usedBytes\":" + v.usedBytes() + ",\"jobs\":" + jobs + "],\"path\":"
                            + JsonResult.string(v.path().toString()) + "}");
                } else {
                    String used = v.usedBytes() < 0 ? "-" : MemorySize.ofBytes(v.usedBytes()).toString();
                    out.println(String.format("%-24s %-10s %10s %10s %s", v.name(), v.type().label(), v.size(), used,
                            v.jobs().isEmpty() ? "-" : String.join(",", v.jobs())));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
            description = "Removes a volume and its contents (its mount, loop device and image); refused while a job"
                    + " uses it (exit 5, naming the jobs).")
    static final class Remove extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        @SuppressWarnings("NullAway.Init")
        String name;

        Remove(Supplier<Joblet> joblet) {
            super(joblet);
        }

        @Override
        public Integer call() {
            try {
                joblet.get().volumes().remove(name);
            } catch (VolumeException e) {
                return failed(spec, e);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
            }
            spec.commandLine().getOut().println("removed volume " + name);
            return 0;
        }
    }
}
