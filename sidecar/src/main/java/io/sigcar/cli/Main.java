package io.sigcar.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the one jar: dispatches to the subcommands. */
@Command(name = "sigcar",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Authenticates signed HTTP requests in front of an app (Kubernetes sidecar).",
        subcommands = {InjectCommand.class, DemoCommand.class, SignCommand.class, KeygenCommand.class,
            SelftestCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The whole command tree; {@code proxy}'s options are generated from the settings list. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand("proxy", new CommandLine(ProxyCommand.spec()));
        CommandLine.IExecutionStrategy standard = new CommandLine.RunLast();
        cli.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult sub = parsed.subcommand();
            if (sub == null || !sub.commandSpec().name().equals("proxy")) {
                return standard.execute(parsed);
            }
            if (CommandLine.printHelpIfRequested(sub)) {
                return 0;
            }
            return ProxyCommand.run(sub, sub.commandSpec().commandLine().getErr());
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command");
    }
}
