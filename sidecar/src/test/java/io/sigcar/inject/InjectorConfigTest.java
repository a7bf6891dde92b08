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
        assertEquals(Map.of("cpu", new Quantity("50m"), "memory", new Quantity("64Mi")), s.requests());
        assertEquals(Map.of("memory", new Quantity("256Mi")), s.limits());
        assertEquals(List.of("max-age", "future-skew", "max-body-bytes"), List.copyOf(s.settings().keySet()));
        assertEquals("1048576", s.settings().get("max-body-bytes"));
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
