package io.sigcar.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart under helm/sigcar, rendered and linted by real Helm (helm-java bundles Helm's Go
 * code as a native library). Renders are cached per values file: each costs a second or so.
 */
final class HelmChart {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path CHART = REPO.resolve("helm/sigcar");
    static final String RELEASE = "sigcar";
    static final String NAMESPACE = "sigcar-system";
    /** helm-java defaults to Kubernetes 1.20, older than the chart's kubeVersion; render for a current cluster. */
    static final String KUBE_VERSION = "1.33.0";
    static final YAMLMapper YAML = YAMLMapper.builder().build();

    private static final Map<String, List<JsonNode>> RENDERS = new ConcurrentHashMap<>();

    private HelmChart() {}

    /** Every ci/*-values.yaml, the matrix of toggles the chart is tested and linted with. */
    static List<Path> ciValues() {
        try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects `helm template` renders with these values files, cached. */
    static List<JsonNode> render(Path... valuesFiles) {
        String key = String.join("|", Stream.of(valuesFiles).map(Path::toString).toList());
        return RENDERS.computeIfAbsent(key, k -> documents(template(RELEASE, NAMESPACE, valuesFiles)));
    }

    /**
     * Runs `helm template`. Certificate reuse is switched off: helm-java's template, unlike the
     * `helm template` command, asks a cluster for `lookup`, and there is none here. With it off the
     * chart generates the certificate, which is what `helm template` and a first install do.
     */
    static String template(String release, String namespace, Path... valuesFiles) {
        TemplateCommand t = new Helm(CHART).template().withName(release).withNamespace(namespace)
                .withKubeVersion(KUBE_VERSION);
        for (Path v : valuesFiles) {
            t = t.withValuesFile(v);
        }
        return t.set("webhook.tls.reuseExisting", false).call();
    }

    /** `helm lint --strict` on a copy of the chart whose values.yaml has the overlay merged in. */
    static LintResult lint(Path overlay, Path workDir) throws IOException {
        Path copy = workDir.resolve("sigcar");
        copyTree(CHART, copy);
        if (overlay != null) {
            JsonNode base = YAML.readTree(Files.readString(CHART.resolve("values.yaml")));
            JsonNode extra = YAML.readTree(Files.readString(overlay));
            if (extra instanceof ObjectNode o) {
                merge((ObjectNode) base, o);
            }
            Files.writeString(copy.resolve("values.yaml"), YAML.writeValueAsString(base));
        }
        return new Helm(copy).lint().strict().call();
    }

    static List<JsonNode> documents(String manifests) {
        List<JsonNode> docs = new ArrayList<>();
        Iterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(manifests);
        while (it.hasNext()) {
            JsonNode doc = it.next();
            if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
                docs.add(doc);
            }
        }
        return docs;
    }

    static JsonNode only(List<JsonNode> docs, String kind) {
        List<JsonNode> found = all(docs, kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", found " + found.size());
        }
        return found.getFirst();
    }

    static JsonNode named(List<JsonNode> docs, String kind, String name) {
        return all(docs, kind).stream().filter(d -> name.equals(d.path("metadata").path("name").asString()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
    }

    static List<JsonNode> all(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asString())).toList();
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        for (Map.Entry<String, JsonNode> e : from.properties()) {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode fo) {
                merge(eo, fo);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
