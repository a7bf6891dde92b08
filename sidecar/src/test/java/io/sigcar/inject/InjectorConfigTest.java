package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Quantity;
import io.sigcar.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The injector config file: the contract's example, defaults, and errors that name file and field. */
class InjectorConfigTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        return Files.writeString(dir.resolve("injector.yaml"), yaml);
    }

    @Test
    void readsTheContractExample() {
        InjectorConfig.Sidecar s = InjectorConfig.load(GoldenTest.DIR.resolve("injector.yaml")).sidecar();
        assertEquals("ghcr.io/sigcar/sigcar:0.1.0", s.image());
        assertEquals(true, s.nativeSidecar());
        assertEquals(List.of(8000, 9901, 8080), List.of(s.listenPort(), s.adminPort(), s.upstreamPort()));
        assertEquals("http", s.takeoverPortName());
        assertEquals(Map.of("cpu", new Quantity("50m"), "memory", new Quantity("208Mi")), s.requests());
        assertEquals(Map.of("memory", new Quantity("256Mi")), s.limits());
        assertEquals(List.of("max-age", "future-skew", "max-body-bytes"), List.copyOf(s.settings().keySet()));
        assertEquals("1048576", s.settings().get("max-body-bytes"));
    }

    /** The replay store's password Secret: mounted read-only, named to the proxy, and nothing else moves. */
    @Test
    void aReplayStoreSecretIsMountedAndNamed() throws Exception {
        InjectorConfig config = InjectorConfig.load(write("sidecar: {replayStoreSecret: payments-redis}"));
        assertEquals("payments-redis", config.sidecar().replayStoreSecret());
        io.fabric8.kubernetes.api.model.Pod pod = Reviews.strictPod(Reviews.yamlFile(
                GoldenTest.DIR.resolve("named-port").resolve("pod.yaml")));
        io.fabric8.kubernetes.api.model.Pod injected = new PodMutator(config, "test").inject(pod);
        var volume = injected.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(PodMutator.REPLAY_STORE_VOLUME)).findFirst().orElseThrow();
        assertEquals("payments-redis", volume.getSecret().getSecretName());
        assertEquals("password", volume.getSecret().getItems().getFirst().getKey());
        List<io.fabric8.kubernetes.api.model.Container> all = new java.util.ArrayList<>(
                injected.getSpec().getContainers());
        if (injected.getSpec().getInitContainers() != null) {
            all.addAll(injected.getSpec().getInitContainers());
        }
        var sidecar = all.stream().filter(c -> c.getName().equals(PodMutator.CONTAINER)).findFirst().orElseThrow();
        var mount = sidecar.getVolumeMounts().stream()
                .filter(m -> m.getName().equals(PodMutator.REPLAY_STORE_VOLUME)).findFirst().orElseThrow();
        assertEquals("/etc/sigcar/replay-store", mount.getMountPath());
        assertEquals(true, mount.getReadOnly());
        assertEquals("/etc/sigcar/replay-store/password", sidecar.getEnv().stream()
                .filter(e -> e.getName().equals("SIGCAR_REPLAY_STORE_PASSWORD_FILE")).findFirst().orElseThrow()
                .getValue());
        // Without the setting, no volume: the golden files stay as they are.
        io.fabric8.kubernetes.api.model.Pod plain = new PodMutator(InjectorConfig.defaults(), "test").inject(
                Reviews.strictPod(Reviews.yamlFile(GoldenTest.DIR.resolve("named-port").resolve("pod.yaml"))));
        assertEquals(false, plain.getSpec().getVolumes().stream()
                .anyMatch(v -> v.getName().equals(PodMutator.REPLAY_STORE_VOLUME)));
    }

    @Test
    void anEmptyFileMeansTheDefaults() throws Exception {
        assertEquals(InjectorConfig.defaults(), InjectorConfig.load(write("")));
        assertEquals(8000, InjectorConfig.load(write("sidecar: {image: 'r/i:1'}")).sidecar().listenPort());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("sidecar: [", "(file): not valid YAML"),
                Arguments.of("- a", "(file): must be a mapping"),
                Arguments.of("sidekar: {}", "sidekar: unknown key (known: sidecar)"),
                Arguments.of("sidecar: {image: ''}", "sidecar.image: '' is not an image reference"),
                Arguments.of("sidecar: {imagePullPolicy: Sometimes}", "sidecar.imagePullPolicy: 'Sometimes' is not"),
                Arguments.of("sidecar: {nativeSidecar: maybe}", "sidecar.nativeSidecar: 'maybe' is not true or false"),
                Arguments.of("sidecar: {listenPort: 99999}", "sidecar.listenPort: '99999' is not a port number"),
                Arguments.of("sidecar: {listenPort: '8000'}", "sidecar.listenPort: '8000' is not a port number"),
                Arguments.of("sidecar: {adminPort: 8000}", "sidecar.adminPort: must differ from listenPort (8000)"),
                Arguments.of("sidecar: {takeoverPortName: Web_Port}", "sidecar.takeoverPortName: 'Web_Port' is not"),
                Arguments.of("sidecar: {takeoverPortName: a-very-long-port-name}", "sidecar.takeoverPortName"),
                Arguments.of("sidecar: {keysSecret: 'my keys'}", "sidecar.keysSecret: 'my keys' is not a Secret name"),
                Arguments.of("sidecar: {replayStoreSecret: 'my pw'}", "sidecar.replayStoreSecret: 'my pw' is not a Secret name"),
                Arguments.of("sidecar: {settings: {replay-store-password-file: /x}}",
                        "sidecar.settings.replay-store-password-file: is set by the injector"),
                Arguments.of("sidecar: {logLevel: loud}", "sidecar.logLevel: 'loud' is not one of"),
                Arguments.of("sidecar: {resources: {requests: {cpu: lots}}}",
                        "sidecar.resources.requests.cpu: 'lots' is not a Kubernetes quantity"),
                Arguments.of("sidecar: {resources: {limits: {gpu: 1}}}", "sidecar.resources.limits.gpu: unknown"),
                Arguments.of("sidecar: {resources: {request: {}}}", "sidecar.resources.request: unknown key"),
                Arguments.of("sidecar: {settings: {max-agee: 5s}}", "sidecar.settings.max-agee: unknown proxy setting"),
                Arguments.of("sidecar: {settings: {listen: '0.0.0.0:1'}}", "sidecar.settings.listen: is set by the"),
                Arguments.of("sidecar: {settings: {keys: /k}}", "sidecar.settings.keys: is set by the injector"),
                Arguments.of("sidecar: {settings: {routes: [a]}}", "sidecar.settings.routes: must be a plain value"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void errorsNameFileAndField(String yaml, String message) throws Exception {
        Path file = write(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> InjectorConfig.load(file));
        assertEquals(true, e.getMessage().startsWith(file + ": " + message), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> InjectorConfig.load(dir.resolve("nope.yaml")));
        assertEquals(dir.resolve("nope.yaml") + ": (file): no such file", e.getMessage());
    }
}
