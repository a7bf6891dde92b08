package io.sigcar.inject;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Test helpers: AdmissionReview requests, YAML/JSON conversion and a strict fabric8 Pod reader. */
final class Reviews {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(tools.jackson.dataformat.yaml.YAMLWriteFeature.MINIMIZE_QUOTES)
            .enable(tools.jackson.dataformat.yaml.YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build();

    /**
     * fabric8's model classes catch unknown fields in {@code additionalProperties} (a Jackson any-setter),
     * so FAIL_ON_UNKNOWN_PROPERTIES alone never fires. Hiding the any-setter makes unknown fields errors.
     */
    static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @java.io.Serial
                private static final long serialVersionUID = 1L;

                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                    return Boolean.FALSE;
                }
            })
            .build();

    private Reviews() {}

    static JsonNode yamlFile(Path p) throws Exception {
        return JSON.readTree(YAML.readTree(Files.readString(p)).toString());
    }

    static String toYaml(JsonNode node) throws Exception {
        String yaml = YAML.writeValueAsString(YAML.readTree(JSON.writeValueAsString(node)));
        return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
    }

    /** A CREATE review of {@code pod} in {@code namespace}, as the API server sends it. */
    static byte[] podReview(String uid, String namespace, JsonNode pod) throws Exception {
        ObjectNode review = JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode req = review.putObject("request");
        req.put("uid", uid);
        req.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        req.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        req.putObject("requestKind").put("group", "").put("version", "v1").put("kind", "Pod");
        req.putObject("requestResource").put("group", "").put("version", "v1").put("resource", "pods");
        req.put("namespace", namespace).put("operation", "CREATE");
        req.putObject("userInfo").put("username", "system:serviceaccount:kube-system:replicaset-controller");
        req.set("object", pod);
        req.putNull("oldObject");
        req.put("dryRun", false);
        req.putObject("options").put("apiVersion", "meta.k8s.io/v1").put("kind", "CreateOptions");
        return JSON.writeValueAsBytes(review);
    }

    /** The response part of an AdmissionReview answer. */
    static JsonNode response(byte[] body) throws Exception {
        JsonNode review = JSON.readTree(body);
        return review.get("response");
    }

    /** The decoded JSON Patch, or an empty array when the answer has none. */
    static JsonNode patch(JsonNode response) throws Exception {
        if (!response.hasNonNull("patch")) {
            return JSON.createArrayNode();
        }
        return JSON.readTree(new String(Base64.getDecoder().decode(response.get("patch").asString()),
                StandardCharsets.UTF_8));
    }

    static Pod strictPod(JsonNode node) throws Exception {
        return STRICT.treeToValue(node, Pod.class);
    }
}
