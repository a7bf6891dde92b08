package io.sigcar.cli;

import io.sigcar.config.ConfigException;
import io.sigcar.config.Field;
import io.sigcar.config.LogLevel;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import io.sigcar.crypto.Crypto;
import io.sigcar.pipeline.Sidecar;
import io.sigcar.pipeline.Verifications;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code sigcar proxy}: the sidecar. Its options are generated from {@link Field}, so every
 * config-file setting is also a flag and a {@code SIGCAR_*} variable, with one help text.
 */
final class ProxyCommand {

    private ProxyCommand() {}

    static CommandSpec spec() {
        CommandSpec spec = CommandSpec.create().name("proxy").mixinStandardHelpOptions(true);
        spec.usageMessage().description(
                "Runs the sidecar: verifies each request's signature, forwards what verifies to the app.",
                "",
                "Every setting can come from the config file (--config), a SIGCAR_* environment",
                "variable or a flag; flags win over variables, variables over the file.",
                "Config errors name the source and field and exit 2 before anything listens.",
                "SIGTERM/SIGINT: stop accepting, drain in-flight requests, exit 0.");
        spec.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(Path.class)
                .description("YAML config file (keys as in the README's configuration table).").build());
        for (Field f : Field.values()) {
            String dflt = f.defaultValue() == null ? " (required)" : f.defaultValue().isEmpty() ? ""
                    : " Default: " + f.defaultValue() + ".";
            spec.addOption(OptionSpec.builder(f.flag()).paramLabel(paramLabel(f)).type(String.class)
                    .description(f.help() + dflt + " Env: " + f.env() + ".").build());
        }
        return spec;
    }

    private static String paramLabel(Field f) {
        return f.key().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    /** What picocli's parse leaves for {@link #run(Flags, PrintWriter)}: the flags given, and the config file. */
    record Flags(Map<Field, String> values, Optional<Path> file) {

        static Flags of(CommandLine.ParseResult parsed) {
            Map<Field, String> values = new EnumMap<>(Field.class);
            for (Field f : Field.values()) {
                if (parsed.hasMatchedOption(f.flag())) {
                    values.put(f, parsed.matchedOptionValue(f.flag(), ""));
                }
            }
            return new Flags(values, Optional.ofNullable(parsed.matchedOptionValue("--config", null)));
        }

        /**
         * {@code proxy} followed by flags in their plain forms only ({@code --name value} or
         * {@code --name=value}, each at most once, no value that is empty or starts with {@code -} or
         * {@code @}): the same result as picocli's parse, without picocli, which is a third of the
         * start (its classes, compiled for Java 5, cannot be linked ahead of time, and it builds
         * every command's model by reflection). Anything else (help, an unknown, repeated or
         * incomplete flag, an @-file) is empty: picocli parses it, with its own messages.
         */
        static Optional<Flags> plain(String[] args) {
            if (args.length == 0 || !args[0].equals("proxy")) {
                return Optional.empty();
            }
            Map<Field, String> values = new EnumMap<>(Field.class);
            Path file = null;
            for (int i = 1; i < args.length; i++) {
                String name = args[i];
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    return Optional.empty();
                }
                if (!name.startsWith("--") || value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                    return Optional.empty();
                }
                if (name.equals("--config")) {
                    if (file != null) {
                        return Optional.empty();
                    }
                    try {
                        file = Path.of(value);
                    } catch (java.nio.file.InvalidPathException e) {
                        return Optional.empty();
                    }
                    continue;
                }
                Field field = FLAGS.get(name);
                if (field == null || values.putIfAbsent(field, value) != null) {
                    return Optional.empty();
                }
            }
            return Optional.of(new Flags(values, Optional.ofNullable(file)));
        }

        private static final Map<String, Field> FLAGS = byFlag();

        private static Map<String, Field> byFlag() {
            Map<String, Field> byFlag = new java.util.HashMap<>();
            for (Field f : Field.values()) {
                byFlag.put(f.flag(), f);
            }
            return byFlag;
        }
    }

    static int run(CommandLine.ParseResult parsed, PrintWriter err) {
        return run(Flags.of(parsed), err);
    }

    static int run(Flags flags, PrintWriter err) {
        SidecarConfig config;
        try {
            Settings settings = Settings.load(flags.file(), System.getenv(), flags.values());
            config = SidecarConfig.from(settings);
            LogLevel.apply(settings);
        } catch (ConfigException e) {
            err.println("sigcar proxy: " + e.getMessage());
            err.flush();
            return 2;
        }
        Crypto crypto = Crypto.create(config.crypto());
        Sidecar sidecar;
        try {
            sidecar = new Sidecar(config, crypto, InstantSource.system(), System.out, Verifications::build);
            sidecar.start().await(30, TimeUnit.SECONDS);
        } catch (ConfigException e) {
            err.println("sigcar proxy: " + e.getMessage());
            err.flush();
            return 2;
        } catch (Exception e) {
            err.println("sigcar proxy: cannot start: " + e.getMessage());
            err.flush();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("sigcar-drain").unstarted(() -> {
            sidecar.close();
            // SIGTERM is the normal way a pod stops: after a clean drain, report success, not 143.
            Runtime.getRuntime().halt(0);
        }));
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
