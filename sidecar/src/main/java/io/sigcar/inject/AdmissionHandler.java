package io.sigcar.inject;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;

/**
 * AdmissionReview v1 in, AdmissionReview v1 out, as a pure function of the request bytes
 * ({@link #review(byte[], Decision.OptIn)}): no I/O, never throws, so it can be fuzzed directly.
 * Unreadable input is an HTTP 400; a readable review always gets an AdmissionReview back.
 */
public final class AdmissionHandler {

    private static final System.Logger LOG = System.getLogger(AdmissionHandler.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EnumSet<DiffFlags> DIFF = EnumSet.of(DiffFlags.OMIT_VALUE_ON_REMOVE,
            DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

    /** The metric label of a review's result. */
    public enum Result {
        PATCHED("patched"), SKIPPED("skipped"), ERROR("error");

        private final String label;

        Result(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param httpStatus 200 with an AdmissionReview body, or 400 with a plain-text reason
     * @param reason     a skip reason code, or for errors {@code bad_review}, {@code refused}, {@code internal}
     */
    public record Response(int httpStatus, byte[] body, Result result, String reason) {}

    private final PodMutator mutator;
    private final String injectorNamespace;

    public AdmissionHandler(PodMutator mutator, String injectorNamespace) {
        this.mutator = mutator;
        this.injectorNamespace = injectorNamespace;
    }

    /** The fuzzing entry point: the pod webhook's answer to any bytes. */
    public byte[] review(byte[] json) {
        return review(json, Decision.OptIn.POD).body();
    }

    public Response review(byte[] json, Decision.OptIn via) {
        AdmissionRequest request;
        JsonNode object;
        if (json == null || json.length == 0) {
            return badReview("empty body: POST an AdmissionReview");
        }
        if (!isUtf8(json)) {
            // JSON on the wire is UTF-8 (RFC 8259); checked here rather than left to the parser, which
            // was seen (under AdmissionHandlerFuzzTest) to accept a field name with a 0xff byte once its
            // name cache was warm, although a fresh parser refuses the same bytes.
            return badReview("not a readable AdmissionReview: the body is not UTF-8");
        }
        try {
            JsonNode tree = JSON.readTree(json);
            if (tree == null || !tree.isObject()) {
                return badReview("the body is not a JSON object");
            }
            if (!"admission.k8s.io/v1".equals(tree.path("apiVersion").asString())
                    || !"AdmissionReview".equals(tree.path("kind").asString())) {
                return badReview("not an admission.k8s.io/v1 AdmissionReview");
            }
            JsonNode req = tree.path("request");
            if (!req.isObject() || !req.path("uid").isString() || req.path("uid").asString().isEmpty()) {
                return badReview("the AdmissionReview has no request.uid");
            }
            object = req.path("object");
            // The object is read as a Pod below, only once it is known to be one.
            ((ObjectNode) req).remove(java.util.List.of("object", "oldObject"));
            request = JSON.treeToValue(req, AdmissionRequest.class);
        } catch (JacksonException | IllegalArgumentException e) {
            return badReview("not a readable AdmissionReview: " + firstLine(e.getMessage()));
        }
        try {
            return decide(request, object, via);
        } catch (RuntimeException e) {
            // Fail closed: a pod that should have the sidecar must not start without it.
            LOG.log(Level.ERROR, "injector failure on review " + request.getUid(), e);
            return answer(request.getUid(), false, null, 500, "sigcar injector internal error: " + e,
                    Result.ERROR, "internal");
        }
    }

    private Response decide(AdmissionRequest request, JsonNode object, Decision.OptIn via) {
        String uid = request.getUid();
        if (request.getKind() == null || !"Pod".equals(request.getKind().getKind())
                || !"".equals(nullToEmpty(request.getKind().getGroup()))
                || (request.getSubResource() != null && !request.getSubResource().isEmpty())) {
            return skipped(uid, SkipReason.NOT_A_POD, describe(request));
        }
        if (!"CREATE".equals(request.getOperation())) {
            return skipped(uid, SkipReason.NOT_CREATE, "operation " + request.getOperation());
        }
        Pod pod;
        try {
            pod = JSON.treeToValue(object, Pod.class);
        } catch (JacksonException | IllegalArgumentException e) {
            return refused(uid, "cannot read the pod: " + firstLine(e.getMessage()), "?");
        }
        if (pod == null || pod.getSpec() == null || pod.getSpec().getContainers() == null
                || pod.getSpec().getContainers().isEmpty()) {
            return refused(uid, "the pod has no containers", "?");
        }
        if (pod.getMetadata() == null) {
            pod.setMetadata(new ObjectMeta());
        }
        String namespace = request.getNamespace() != null && !request.getNamespace().isEmpty()
                ? request.getNamespace() : pod.getMetadata().getNamespace();
        String name = namespace + "/" + (pod.getMetadata().getName() != null ? pod.getMetadata().getName()
                : pod.getMetadata().getGenerateName() + "*");
        Optional<SkipReason> skip = Decision.skip(namespace, injectorNamespace, pod, via);
        if (skip.isPresent()) {
            LOG.log(Level.DEBUG, "pod {0}: skipped ({1})", name, skip.get().code());
            return skipped(uid, skip.get(), null);
        }
        Pod injected;
        try {
            injected = mutator.inject(pod);
        } catch (Refusal e) {
            return refused(uid, e.getMessage(), name);
        }
        JsonNode patch = JsonDiff.asJson(JSON.valueToTree(pod), JSON.valueToTree(injected), DIFF);
        LOG.log(Level.INFO, "pod {0}: injected", name);
        return answer(uid, true, patch, 200, "sigcar: injected", Result.PATCHED, "injected");
    }

    private static String describe(AdmissionRequest r) {
        String kind = r.getKind() == null ? "(no kind)" : r.getKind().getGroup() + "/" + r.getKind().getKind();
        return kind + (r.getSubResource() == null || r.getSubResource().isEmpty() ? "" : " /" + r.getSubResource());
    }

    private Response skipped(String uid, SkipReason reason, String detail) {
        return answer(uid, true, null, 200, "sigcar: not injected (" + reason.code() + "): " + reason.message()
                + (detail == null ? "" : " [" + detail + "]"), Result.SKIPPED, reason.code());
    }

    private Response refused(String uid, String message, String name) {
        LOG.log(Level.WARNING, "pod {0}: refused: {1}", name, message);
        return answer(uid, false, null, 400, "sigcar: " + message, Result.ERROR, "refused");
    }

    private static Response answer(String uid, boolean allowed, JsonNode patch, int code, String message,
            Result result, String reason) {
        AdmissionResponse r = new AdmissionResponse();
        r.setUid(uid);
        r.setAllowed(allowed);
        if (patch != null && !patch.isEmpty()) {
            r.setPatchType("JSONPatch");
            r.setPatch(Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));
        }
        r.setStatus(new StatusBuilder().withCode(code).withMessage(message)
                .withStatus(allowed ? "Success" : "Failure").withReason(allowed ? null : "BadRequest").build());
        AdmissionReview review = new AdmissionReview();
        review.setResponse(r);
        try {
            return new Response(200, JSON.writeValueAsBytes(review), result, reason);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write an AdmissionReview", e);
        }
    }

    private static Response badReview(String reason) {
        return new Response(400, (reason + "\n").getBytes(StandardCharsets.UTF_8), Result.ERROR, "bad_review");
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
