package dev.joblet.examples.rnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import dev.joblet.Joblet;
import dev.joblet.JobletConfig;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code rnx}: the command line over the library. {@link #main} exits with what {@link #run} returns; tests
 * call {@link #run} in-process with their own streams.
 *
 * <p>Exit status: the job's exit code (128+N when a signal N killed it), 2 for bad usage, 125 when the job
 * could not start, 127 when its command was not found in the runtime; {@code run --detach} 0 once started; the
 * commands over detached jobs as {@link DetachedCommands} says (1 I/O, 3 unknown id, 4 ambiguous, 5 wrong state).
 */
@Command(name = "rnx", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
        description = "Runs Linux commands as isolated, resource-limited jobs.",
        subcommands = {JobCommand.class, RuntimeCommand.class, NetworkCommand.class, VolumeCommand.class,
            DoctorCommand.class, MonitorCommand.class,
            HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  rnx job run ps aux", "  rnx job run --max-memory=256 --timeout=5m -- python3 -c 'print(42)'",
            "  rnx job run --help", "  rnx doctor"})
public final class Rnx implements Callable<Integer> {
    static final int EXIT_USAGE = 2;
    static final int EXIT_START_FAILED = 125;
    static final int EXIT_NOT_FOUND = 127;

    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    /** {@code rnx} alone: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        configureLogging();
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs rnx with these arguments, writing to {@code out} and {@code err}; returns the exit status. The run has a
     * {@link Joblet} of its own (configured by the {@code joblet.*} system properties, as {@link Joblet#system()}),
     * made when a command first needs it and closed before this returns.
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try (Session session = new Session()) {
            return run(args, out, err, session);
        }
    }

    private static int run(String[] args, PrintStream out, PrintStream err, Session session) {
        CommandLine cl = commandLine(out, err, session);
        try {
            return cl.execute(args);
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
            out.flush();
            err.flush();
        }
    }

    /** The command tree, configured as rnx runs it; tests parse with it without executing. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        return commandLine(out, err, new Session());
    }

    /** One run's {@link Joblet}, made on first use; closing it closes the instance (and what it still owns). */
    static final class Session implements Supplier<Joblet>, AutoCloseable {
        private @Nullable Joblet joblet;

        @Override
        public synchronized Joblet get() {
            if (joblet == null) {
                joblet = Joblet.create(JobletConfig.fromSystemProperties());
            }
            return joblet;
        }

        @Override
        public synchronized void close() {
            if (joblet != null) {
                joblet.close();
            }
        }
    }

    private static CommandLine commandLine(PrintStream out, PrintStream err, Session session) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == RunCommand.class) {
                    return cls.cast(new RunCommand(out, err, session));
                }
                if (cls == DoctorCommand.class) {
                    return cls.cast(new DoctorCommand(session));
                }
                if (DetachedCommands.Base.class.isAssignableFrom(cls)) {
                    return cls.getDeclaredConstructor(PrintStream.class, PrintStream.class, Supplier.class)
                            .newInstance(out, err, session);
                }
                if (VolumeCommand.Base.class.isAssignableFrom(cls)) {
                    return cls.getDeclaredConstructor(Supplier.class).newInstance(session);
                }
                if (cls == NetworkRunCommand.class) {
                    return cls.cast(new NetworkRunCommand(session));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        };
        CommandLine cl = new CommandLine(new Rnx(), factory);
        cl.setExpandAtFiles(false); // "@file" is an argument of the job's command, never an rnx argument file
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, Charset.defaultCharset()), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, Charset.defaultCharset()), true));
        cl.setParameterExceptionHandler(Rnx::onUsageError);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("rnx: internal error: " + ex);
            if (System.getenv("RNX_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return EXIT_START_FAILED;
        });
        // Options end at the first positional: in "rnx job run top -b -n 1", "-b -n 1" belong to top.
        CommandLine job = Objects.requireNonNull(cl.getSubcommands().get("job"), "rnx job");
        Objects.requireNonNull(job.getSubcommands().get("run"), "rnx job run").setStopAtPositional(true);
        return cl;
    }

    /** One line saying what is wrong and how to get help; the whole usage for an unknown subcommand. */
    private static int onUsageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        if (ex instanceof UnmatchedArgumentException && !cmd.getSubcommands().isEmpty()) {
            cmd.usage(err);
        } else {
            err.println("Try '" + name + " --help' for more information.");
        }
        return EXIT_USAGE;
    }

    /**
     * The library logs through slf4j-simple to stderr: warnings only, unless RNX_LOG names a level
     * (trace shows command lines and environment, secrets included).
     */
    private static void configureLogging() {
        String level = System.getenv("RNX_LOG");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level == null || level.isEmpty() ? "warn" : level);
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    /** "rnx 0.1.0 (joblet; Java 17.0.15)", the version from the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Rnx.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"rnx " + p.getProperty("version", "unknown") + " (joblet; Java "
                    + System.getProperty("java.version") + ")"};
        }
    }
}
