package io.sigcar.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
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
        // The sidecar's start is on every pod's critical path: a plain `proxy` command line skips picocli.
        java.util.Optional<ProxyCommand.Flags> proxy = ProxyCommand.Flags.plain(args);
        System.exit(proxy.isPresent() ? runProxy(proxy.get()) : commandLine().execute(args));
    }

    /** As picocli would run it: its error writer, and an unexpected exception's stack trace there, exit 1. */
    private static int runProxy(ProxyCommand.Flags flags) {
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        try {
            return ProxyCommand.run(flags, err);
        } catch (RuntimeException e) {
            e.printStackTrace(err);
            err.flush();
            return 1;
        }
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
