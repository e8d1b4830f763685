package dev.joblet.examples.rnx;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rnx network}: private networks. rnx has no daemon, so a network lives as long as the rnx process that
 * made it: {@code rnx network run} creates one, runs a group of jobs on it and removes it when they end.
 */
@Command(name = "network", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
        description = {"Private networks between jobs.",
            "rnx has no daemon: a network lives only as long as the rnx process that creates it, so 'rnx network run'"
                + " creates one, runs a group of jobs on it and removes it when they have ended. "
                + "'rnx job run --network=NAME' can only name a network of its own process."},
        subcommands = {NetworkRunCommand.class, HelpCommand.class})
final class NetworkCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Rnx.EXIT_USAGE;
    }
}
