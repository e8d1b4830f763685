package dev.joblet.examples.rnx;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code rnx job}: the group of job commands; alone, it prints its usage as an error. */
@Command(name = "job", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
        description = "Runs and manages jobs.", subcommands = {RunCommand.class, DetachedCommands.ListCommand.class,
            DetachedCommands.StatusCommand.class, DetachedCommands.LogCommand.class, DetachedCommands.MetricsCommand.class,
            DetachedControl.CancelCommand.class,
            DetachedControl.StopCommand.class, DetachedControl.DeleteCommand.class,
            DetachedControl.DeleteAllCommand.class, HelpCommand.class})
final class JobCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Rnx.EXIT_USAGE;
    }
}
