package dev.joblet.examples.rnx;

import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.JobRuntime;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rnx job run [OPTIONS] [--] COMMAND [ARGS...]}. Options end at COMMAND (see
 * {@link Rnx#commandLine}); {@link #toSpec()} turns them into a {@link JobSpec} without starting anything.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class, sortOptions = false,
        description = {"Runs COMMAND as an isolated job, streaming its output; exits with its exit status.",
            "The job gets its own PID, mount, UTS, IPC and network namespaces, a read-only root and cgroup limits; "
                + "it sees none of rnx's environment. Ctrl-C or SIGTERM to rnx stops the job.",
            "Options end at COMMAND: in 'rnx job run top -b -n 1', '-b -n 1' belong to top."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"N:the job's exit code", "128+N:the job was killed by signal N",
            "2:bad usage: an unknown option or a bad value", "125:the job could not start",
            "127:COMMAND was not found in the runtime"},
        footerHeading = "%nExamples:%n",
        footer = {"  rnx job run bash -c \"sleep 30 & sleep 40 & ps aux\"", "  rnx job run top -b -n 1",
            "  rnx job run --max-memory=512 --max-cpu=50 --timeout=2h30m python3 train.py",
            "  rnx job run --volume=./data:/data:rw -e MODE=fast -s API_KEY --json ls /data"})
final class RunCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    @Option(names = "--runtime", paramLabel = "NAME", description = "Root filesystem: host (the default: the host's "
            + "/usr, /bin, /lib, read-only) or a runtime under /var/lib/joblet/runtimes.")
    @Nullable String runtime;

    @Option(names = "--max-cpu", paramLabel = "PCT", description = "CPU limit in percent of one core (50 = half a core, 200 = two).")
    @Nullable Integer maxCpu;

    @Option(names = "--max-memory", paramLabel = "MB", description = "Memory limit in megabytes (or with a unit: 512m, 2g;"
            + " default 512, its kernel memory and socket buffers included; 0 for none).")
    @Nullable String maxMemory;

    @Option(names = "--max-iobps", paramLabel = "BYTES", description = "IO limit in bytes per second, for reads and for writes.")
    @Nullable Long maxIoBps;

    @Option(names = "--cpu-cores", paramLabel = "LIST", description = "CPUs the job may use, e.g. 0-3 or 1,3.")
    @Nullable String cpuCores;

    @Option(names = "--network", paramLabel = "none|host", description = "none (the default: loopback only) or host "
            + "(the host's network, not isolated). For private networks between jobs see 'rnx network run': rnx has no "
            + "daemon, so a network lives only within the rnx process that creates it.")
    @Nullable String network;

    @Option(names = "--volume", paramLabel = "HOST:JOB[:rw]|NAME", description = "Makes a host path visible in the job, "
            + "read-only unless :rw; a bare NAME is a persistent volume (created when missing) at /volumes/NAME. HOST "
            + "is bound as named: a link in it, or as it, is refused. "
            + "Repeatable.")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--memory-volume", paramLabel = "JOB:SIZE", description = "An empty tmpfs of at most SIZE (e.g. "
            + "64m) at JOB, writable by the job, gone with it; it counts against --max-memory. Repeatable.")
    List<String> memoryVolumes = new ArrayList<>();

    @Option(names = "--writable-layer", paramLabel = "MB", description = "Gives the job a writable layer of this size "
            + "over its (named) runtime, e.g. for pip install; the runtime on disk never changes.")
    @Nullable String writableLayer;

    @Option(names = "--tmp-size", paramLabel = "SIZE", description = "Size limit of the job's /tmp, a tmpfs (megabytes, "
            + "or with a unit: 512m, 2g; default: the memory limit, which bounds what /tmp holds anyway, or "
            + JobSpec.DEFAULT_TMP_MEGABYTES_UNLIMITED + " with --max-memory=0). Its pages count against --max-memory.")
    @Nullable String tmpSize;

    @Option(names = "--workspace-size", paramLabel = "SIZE", description = "Size limit of the workspace /work, a tmpfs "
            + "(megabytes, or with a unit: 512m, 2g; default " + JobSpec.DEFAULT_WORKSPACE_MEGABYTES + "). Its pages count against --max-memory.")
    @Nullable String workspaceSize;

    @Option(names = "--init", description = "Runs a minimal init as the job's PID 1 that forwards signals to the "
            + "command and reaps orphaned processes; the command is then PID 2 (default: the command is PID 1).")
    boolean init;

    @Option(names = "--upload", paramLabel = "FILE[:PATH]", description = "Copies a host file into /work before the start "
            + "(at /work/PATH; default: its file name). Repeatable.")
    List<String> uploads = new ArrayList<>();

    @Option(names = "--upload-dir", paramLabel = "DIR[:PATH]", description = "Copies a host directory's contents into "
            + "/work (or /work/PATH) before the start; links in it are copied as links, never followed. Repeatable.")
    List<String> uploadDirs = new ArrayList<>();

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Sets a variable in the job; a bare NAME "
            + "passes rnx's own. Repeatable. The job never inherits rnx's environment otherwise.")
    List<String> env = new ArrayList<>();

    @Option(names = {"-s", "--secret-env"}, paramLabel = "NAME[=VALUE]", description = "Like --env, but the value is "
            + "never printed or logged. Prefer a bare NAME: the value then stays off the command line. Repeatable.")
    List<String> secretEnv = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Stops the job after this long: 30s, 5m, 1h, 2h30m.")
    @Nullable String timeout;

    @Option(names = "--workdir", paramLabel = "PATH", description = "Working directory in the job (default /work, "
            + "the writable workspace).")
    @Nullable String workdir;

    @Option(names = "--hostname", paramLabel = "NAME", description = "The job's hostname (default job-<id>).")
    @Nullable String hostname;

    @Option(names = "--pids-max", paramLabel = "N", description = "Most processes at once (default "
            + JobSpec.DEFAULT_PIDS_MAX + "; 0 = unlimited).")
    @Nullable Long pidsMax;

    @Option(names = "--ptys-max", paramLabel = "N", description = "Most pseudo-terminals at once, a --tty job's own "
            + "included (default " + JobSpec.DEFAULT_PTYS_MAX + ").")
    @Nullable Integer ptysMax;

    @Option(names = "--schedule", paramLabel = "WHEN", description = "Starts the job later: after a delay (45s, 30min, "
            + "1hour, 2h30m) or at an RFC 3339 time (2025-07-18T20:15:00-07:00); rnx waits in the foreground.")
    @Nullable String schedule;

    @Option(names = {"-d", "--detach"}, description = "Starts the job detached: prints its id and returns at once; the "
            + "job runs on (its output logged to disk) after rnx exits. See rnx job list, status, log, stop, delete.")
    boolean detach;

    @Option(names = "--name", paramLabel = "NAME", description = "With --detach: a name shown by rnx job list.")
    @Nullable String name;

    @Option(names = "--log-cap", paramLabel = "SIZE", description = "With --detach: the most its log on disk may hold "
            + "(default 64m); beyond it the log is cut, marked, and the job runs on.")
    @Nullable String logCap;

    @Option(names = {"-t", "--tty"}, description = "Gives the job a pseudo-terminal (for interactive programs such as "
            + "top): its output comes on stdout, and what you type goes to it (raw, when rnx runs in a terminal).")
    boolean tty;

    @Option(names = "--json", description = "After the job's output, prints its result as one line of JSON on stdout: "
            + "id, reason, exitCode, signal, durationMs, message, usage.")
    boolean json;

    @Parameters(index = "0", paramLabel = "COMMAND", description = "The program, looked up in the runtime's PATH.")
    @SuppressWarnings("NullAway.Init")
    String program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Its arguments, passed verbatim.")
    List<String> args = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;

    private final java.util.function.Supplier<Joblet> joblet;

    RunCommand(PrintStream out, PrintStream err, java.util.function.Supplier<Joblet> joblet) {
        this.out = out;
        this.err = err;
        this.joblet = joblet;
    }

    @Override
    public Integer call() throws InterruptedException {
        JobSpec jobSpec = toSpec();
        if (detach) {
            return DetachedRun.start(out, err, joblet.get(), jobSpec, detachOptions(), json);
        }
        if (name != null || logCap != null) {
            throw new ParameterException(spec.commandLine(), (name != null ? "--name (\"" + name + "\")"
                    : "--log-cap (\"" + logCap + "\")") + " is for detached jobs: add --detach");
        }
        if (schedule != null) {
            java.time.Instant at = parse("--schedule", schedule, v -> dev.joblet.engine.StartTimes.parse(v, java.time.Instant.now()));
            err.println("rnx: job scheduled for " + at);
            Thread.sleep(Math.max(0, java.time.Duration.between(java.time.Instant.now(), at).toMillis()));
        }
        return new JobRunner(out, err, joblet.get()).run(jobSpec, json);
    }

    private dev.joblet.DetachOptions detachOptions() {
        dev.joblet.DetachOptions[] o = {dev.joblet.DetachOptions.DEFAULT};
        set("--name", name, v -> o[0] = o[0].withName(v));
        set("--log-cap", logCap, v -> o[0] = o[0].withLogCap(OptionValues.memory(v)));
        // The supervisor waits for the time (no rnx, no daemon): the job is SCHEDULED until then (rnx job cancel).
        set("--schedule", schedule, v -> o[0] = o[0].withStartAt(dev.joblet.engine.StartTimes.parse(v,
                java.time.Instant.now())));
        return o[0];
    }

    /** The job these options describe; a bad value is a {@link ParameterException} naming the option. */
    JobSpec toSpec() {
        JobSpec.Builder b = Joblet.builder();
        if (tty) {
            int[] size = Terminal.size(); // rnx's own terminal's, set before the command starts
            if (size != null) {
                b.tty(size[0], size[1]);
            } else {
                b.tty(true);
            }
        }
        List<String> argv = new ArrayList<>(args.size() + 1);
        argv.add(program);
        argv.addAll(args);
        set("COMMAND", argv, b::command);
        set("--runtime", runtime, v -> b.runtime(JobRuntime.named(v)));
        set("--max-cpu", maxCpu, b::cpu);
        set("--max-memory", maxMemory, v -> {
            MemorySize m = OptionValues.memory(v);
            if (m.bytes() == 0) {
                b.noMemoryLimit();
            } else {
                b.memory(m);
            }
        });
        set("--max-iobps", maxIoBps, b::ioBps);
        set("--cpu-cores", cpuCores, b::cpus);
        set("--network", network, v -> b.network(OptionValues.network(v)));
        for (String v : volumes) {
            set("--volume", v, x -> b.volume(OptionValues.volume(x)));
        }
        for (String v : memoryVolumes) {
            set("--memory-volume", v, x -> {
                int colon = x.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("'" + x + "' is not JOB:SIZE, e.g. /scratch:64m");
                }
                b.memoryVolume(x.substring(0, colon), dev.joblet.MemorySize.parse(x.substring(colon + 1)));
            });
        }
        set("--writable-layer", writableLayer, v -> b.writableLayer(OptionValues.memory(v)));
        set("--tmp-size", tmpSize, v -> b.tmpSize(OptionValues.memory(v)));
        set("--workspace-size", workspaceSize, v -> b.workspaceSize(OptionValues.memory(v)));
        if (init) {
            b.init(true);
        }
        for (String v : uploads) {
            set("--upload", v, x -> b.upload(OptionValues.upload(x, false)));
        }
        for (String v : uploadDirs) {
            set("--upload-dir", v, x -> b.upload(OptionValues.upload(x, true)));
        }
        for (String v : env) {
            set("--env", v, x -> put(b, OptionValues.variable(x, false, System::getenv)));
        }
        for (String v : secretEnv) {
            try {
                put(b, OptionValues.variable(v, true, System::getenv));
            } catch (IllegalArgumentException e) {
                // The builder's and our messages name the variable, never its value; the value is not echoed here.
                throw new ParameterException(spec.commandLine(), "--secret-env: " + e.getMessage());
            }
        }
        set("--timeout", timeout, v -> b.timeout(OptionValues.duration(v)));
        set("--workdir", workdir, b::workdir);
        set("--hostname", hostname, b::hostname);
        set("--pids-max", pidsMax, b::pidsMax);
        set("--ptys-max", ptysMax, b::ptysMax);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // What only the whole spec can check (uploads exist and fit, the command and environment fit): the message
            // names the field and the value; the flag is the one that sets that field.
            String message = String.valueOf(e.getMessage());
            throw new ParameterException(spec.commandLine(), flagOf(message) + message, e, null, "");
        }
    }

    /** "--upload: " for a message about the field upload, and so on; "" when no one flag sets the field. */
    private static String flagOf(String message) {
        String[][] fields = {{"upload directory", "--upload-dir"}, {"upload", "--upload"}, {"command", "COMMAND"},
            {"env", "--env/--secret-env"}, {"writableLayer", "--writable-layer"}};
        for (String[] f : fields) {
            if (message.startsWith(f[0] + " ") || message.startsWith(f[0] + "s ")) {
                return f[1] + ": ";
            }
        }
        return "";
    }

    private static void put(JobSpec.Builder b, Map.Entry<String, String> variable) {
        b.env(variable.getKey(), variable.getValue());
    }

    private <T> T parse(String option, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage(), e, null, value);
        }
    }

    private <T> void set(String option, @Nullable T value, Consumer<T> setter) {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            // The value as typed, when the message quotes it only as parsed ("--timeout (0s): timeout (PT0S) ..."); never
            // the command line, which may be long or hold secrets.
            String message = String.valueOf(e.getMessage());
            String typed = value instanceof String && !message.contains((String) value) ? " (" + value + ")" : "";
            throw new ParameterException(spec.commandLine(), option + typed + ": " + message, e, null, String.valueOf(value));
        }
    }
}
