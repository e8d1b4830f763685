package dev.joblet.examples.rnx;

import dev.joblet.DetachedJob;
import dev.joblet.DetachedStatus;
import dev.joblet.JobLookupException;
import dev.joblet.Joblet;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands that change detached jobs: {@code cancel}, {@code stop}, {@code delete}, {@code delete-all} (exit
 * codes as {@link DetachedCommands} says).
 */
final class DetachedControl {
    private DetachedControl() {}

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a scheduled detached job before it"
            + " starts (run -d --schedule): its supervisor ends the wait; nothing is left but its record (CANCELLED)"
            + " until delete.")
    static final class CancelCommand extends DetachedCommands.Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The job's id or an unambiguous prefix.")
        String id = "";

        CancelCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            DetachedStatus s = joblet.get().get(id).cancel();
            out.println(json ? DetachedCommands.statusJson(s) : s.id().shortForm() + " " + s.state());
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops a detached job: SIGTERM, then SIGKILL"
            + " after the grace period.")
    static final class StopCommand extends DetachedCommands.Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The job's id or an unambiguous prefix.")
        String id = "";

        @Option(names = "--grace", paramLabel = "DURATION", description = "How long SIGTERM has before SIGKILL (default 10s;"
                + " 0 kills at once).")
        String grace = "10s";

        StopCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            Duration g;
            try {
                g = grace.equals("0") ? Duration.ZERO : OptionValues.duration(grace);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--grace (\"" + grace + "\"): " + e.getMessage(), e);
            }
            DetachedStatus s = joblet.get().get(id).stop(g);
            if (json) {
                out.println(DetachedCommands.statusJson(s));
            } else {
                out.println(s.id().shortForm() + " " + s.state() + " (" + s.reason() + ")");
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes an ended detached job: its state,"
            + " its log, what is left of it.")
    static final class DeleteCommand extends DetachedCommands.Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The job's id or an unambiguous prefix.")
        String id = "";

        @Option(names = "--force", description = "Kills (or cancels) the job first if it still runs (or waits).")
        boolean force;

        DeleteCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            DetachedJob j = joblet.get().get(id);
            j.delete(force);
            out.println(json ? "{\"deleted\":" + JsonResult.string(j.id().toString()) + "}" : "deleted " + j.id());
            return 0;
        }
    }

    @Command(name = "delete-all", mixinStandardHelpOptions = true, description = "Deletes every ended detached job (with"
            + " --force, running and scheduled ones too). Goes on"
            + " after a failure, reports each; exits non-zero (the last failure's code) if any failed.")
    static final class DeleteAllCommand extends DetachedCommands.Base {
        @Option(names = "--force", description = "Kills running jobs (cancels scheduled ones) first and deletes them too.")
        boolean force;

        DeleteAllCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            int kept = 0;
            int exit = 0;
            for (DetachedJob j : joblet.get().jobs()) {
                try {
                    if (!force && !j.status().hasEnded()) {
                        kept++;
                        continue;
                    }
                    j.delete(force);
                    out.println(json ? "{\"deleted\":" + JsonResult.string(j.id().toString()) + "}" : "deleted " + j.id());
                } catch (JobLookupException e) {
                    // deleted meanwhile by another rnx
                } catch (IllegalStateException e) {
                    exit = fail("job " + j.id() + ": " + e.getMessage(), DetachedCommands.EXIT_STATE, List.of());
                } catch (IOException e) {
                    exit = fail("job " + j.id() + ": " + e.getMessage(), DetachedCommands.EXIT_IO, List.of());
                }
            }
            if (kept > 0 && !json) {
                err.println("rnx: " + kept + " running or scheduled job(s) kept (stop or cancel them, or use --force)");
            }
            return exit;
        }
    }
}
