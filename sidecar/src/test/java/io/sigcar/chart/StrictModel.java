package io.sigcar.chart;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses rendered objects into fabric8's Kubernetes model and refuses any field the model does
 * not know. fabric8's classes keep unknown fields in {@code additionalProperties} instead of
 * failing, so after binding every reachable model object is walked and must have none.
 * Custom resources (cert-manager, Prometheus Operator) have no model here and bind generically.
 */
final class StrictModel {

    /** apiVersion/kind of every core object the chart and k8s/ may contain. */
    private static final Map<String, Class<? extends HasMetadata>> CORE = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/Pod", Pod.class,
            "v1/Namespace", Namespace.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration", MutatingWebhookConfiguration.class);

    /** Custom resources the chart may render; anything else is an error. */
    static final Set<String> CUSTOM = Set.of(
            "cert-manager.io/v1/Issuer", "cert-manager.io/v1/Certificate",
            "monitoring.coreos.com/v1/PodMonitor", "monitoring.coreos.com/v1/ServiceMonitor",
            "monitoring.coreos.com/v1/PrometheusRule");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private StrictModel() {}

    static String typeOf(JsonNode doc) {
        return doc.path("apiVersion").asString() + "/" + doc.path("kind").asString();
    }

    /** Binds one object; throws naming the object and the JSON path of the first unknown field. */
    static HasMetadata parse(JsonNode doc) {
        String type = typeOf(doc);
        String where = type + " " + doc.path("metadata").path("name").asString();
        Class<? extends HasMetadata> model = CORE.get(type);
        if (model == null) {
            if (!CUSTOM.contains(type)) {
                throw new AssertionError(where + ": not a kind this chart should render");
            }
            return JSON.treeToValue(doc, GenericKubernetesResource.class);
        }
        HasMetadata bound = JSON.treeToValue(doc, model);
        List<String> unknown = new ArrayList<>();
        walk(bound, "$", unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new AssertionError(where + ": fields unknown to the Kubernetes API: " + unknown);
        }
        return bound;
    }

    static <T extends HasMetadata> T parse(JsonNode doc, Class<T> type) {
        return type.cast(parse(doc));
    }

    private static void walk(Object o, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(m.toString(), e);
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                }
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            walk(value, path + "." + field, unknown, seen);
        }
    }
}
