package io.sigcar.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the one jar: dispatches to the subcommands. */
@Command(name = "sigcar",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Authenticates signed HTTP requests in front of an app (Kubernetes sidecar).",
        subcommands = {SelftestCommand.class, KeygenCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command");
    }
}
