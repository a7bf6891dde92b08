package io.sigcar.cli;

import io.sigcar.config.ConfigException;
import io.sigcar.config.HostPort;
import io.sigcar.config.LogLevel;
import io.sigcar.inject.Injector;
import io.sigcar.inject.InjectorConfig;
import io.sigcar.inject.TlsFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sigcar inject}: the Kubernetes mutating admission webhook that adds the sidecar to pods. */
@Command(name = "inject",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the mutating admission webhook that injects the sigcar sidecar into pods.",
            "",
            "Serves AdmissionReview v1 over HTTPS at POST /inject; the namespace-label",
            "webhook calls /inject?opt-in=namespace. A pod is injected when it opts in",
            "(label or annotation sigcar.io/inject: \"true\", or its namespace is",
            "labelled sigcar.io/inject=enabled) and does not opt out (annotation",
            "\"false\"). Skipped: kube-system, the injector's own namespace, hostNetwork",
            "pods, injected pods. Per-pod sigcar.io/* annotations override the config;",
            "a bad value refuses the pod with a message naming the annotation.",
            "The certificate files are re-read every --tls-poll seconds; a bad new pair",
            "is logged and the previous one kept.",
            "Admin (plain HTTP): /metrics /healthz /readyz (ready after a warm-up review).",
            "Config errors name the file and field and exit 2."
        })
final class InjectCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "Injector config (YAML: sidecar image, ports, keys Secret, resources, settings).")
    private Path config;

    @Option(names = "--tls-cert", paramLabel = "FILE", required = true,
            description = "PEM certificate chain served to the API server.")
    private Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", required = true, description = "PEM private key.")
    private Path tlsKey;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8443",
            description = "HTTPS address. Default: ${DEFAULT-VALUE}.")
    private String listen;

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:9901",
            description = "Admin address (/metrics, /healthz, /readyz). Default: ${DEFAULT-VALUE}.")
    private String admin;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:SIGCAR_INJECTOR_NAMESPACE}",
            description = "The injector's own namespace, never injected. Default: env SIGCAR_INJECTOR_NAMESPACE.")
    private String namespace;

    @Option(names = "--tls-poll", paramLabel = "SECONDS", defaultValue = "2",
            description = "How often the certificate files are checked for changes. Default: ${DEFAULT-VALUE}.")
    private int tlsPoll;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "error, warn, info, debug or trace. Default: ${DEFAULT-VALUE}.")
    private String logLevel;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Injector.Options options;
        try {
            LogLevel.apply(parse("--log-level", logLevel, LogLevel::parse));
            if (tlsPoll < 1 || tlsPoll > 3600) {
                throw new ConfigException("flag --tls-poll", "tls-poll", tlsPoll + " is outside 1..3600 seconds");
            }
            options = new Injector.Options(InjectorConfig.load(config), new TlsFiles(tlsCert, tlsKey),
                    parse("--listen", listen, HostPort::parse), parse("--admin", admin, HostPort::parse),
                    namespace == null || namespace.isBlank() ? null : namespace.strip(), VersionProvider.version(),
                    Duration.ofSeconds(tlsPoll));
        } catch (ConfigException e) {
            err.println("sigcar inject: " + e.getMessage());
            err.flush();
            return 2;
        }
        if (options.namespace() == null) {
            err.println("sigcar inject: no --namespace and no SIGCAR_INJECTOR_NAMESPACE: the injector cannot skip "
                    + "its own namespace");
            err.flush();
            return 2;
        }
        Injector injector = new Injector(options);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        // Installed before start: /readyz turns 200 inside start(), and a SIGTERM may follow at once.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("sigcar-inject-stop").unstarted(() -> {
            if (!failed.get()) {
                injector.close();
                Runtime.getRuntime().halt(0);
            }
        }));
        try {
            injector.start().await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            failed.set(true);
            err.println("sigcar inject: cannot start: " + e.getMessage());
            err.flush();
            injector.close();
            return e.getCause() instanceof IllegalArgumentException || e instanceof IllegalArgumentException ? 2 : 1;
        }
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static <T> T parse(String flag, String text, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("flag " + flag, flag.substring(2), e.getMessage());
        }
    }
}
