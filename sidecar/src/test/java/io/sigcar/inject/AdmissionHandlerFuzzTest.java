package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes the admission handler ({@link AdmissionHandler#review(byte[], Decision.OptIn)}) with raw request
 * bytes, through the pod webhook's path, with the golden cases' injector config.
 *
 * <p>Properties: it never throws; it answers 400 (unreadable, with a plain-text reason and result
 * {@code error}/{@code bad_review}) or 200 with an AdmissionReview v1 whose {@code response.uid} is the
 * request's; the result agrees with the answer (patched: allowed with a patch; skipped: allowed without;
 * error: not allowed); no review ends in the fail-closed {@code internal} error (that is an exception
 * somewhere in the mutator); a patch is a JSONPatch that applies cleanly to the pod object the API server
 * sent; and the patched pod, reviewed again, is left alone (injection is idempotent).
 */
class AdmissionHandlerFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AdmissionHandler HANDLER = GoldenTest.handler();

    @FuzzTest(maxDuration = "4m")
    void review(byte[] data) throws Exception {
        AdmissionHandler.Response r = HANDLER.review(data, Decision.OptIn.POD);
        assertNotNull(r);
        assertTrue(r.httpStatus() == 200 || r.httpStatus() == 400, "status " + r.httpStatus());
        if (r.httpStatus() == 400) {
            assertEquals(AdmissionHandler.Result.ERROR, r.result());
            assertEquals("bad_review", r.reason());
            return;
        }
        JsonNode response = JSON.readTree(r.body()).path("response");
        assertNotEquals("internal", r.reason(), () -> "internal error: "
                + new String(r.body(), StandardCharsets.UTF_8));
        ObjectNode review = (ObjectNode) JSON.readTree(data);
        ObjectNode request = (ObjectNode) review.get("request");
        assertEquals(request.path("uid").asString(), response.path("uid").asString());
        boolean allowed = response.path("allowed").asBoolean();
        boolean patched = response.hasNonNull("patch");
        switch (r.result()) {
            case PATCHED -> assertTrue(allowed && patched, "patched without an allowed patch");
            case SKIPPED -> assertTrue(allowed && !patched, "skipped, yet not allowed or patched");
            case ERROR -> assertFalse(allowed || patched, "an error that allows or patches the pod");
        }
        if (!patched) {
            return;
        }
        assertEquals("JSONPatch", response.path("patchType").asString());
        JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asString()));
        JsonNode injected = JsonPatch.apply(patch, request.path("object"));
        assertNotNull(injected);
        request.set("object", injected);
        AdmissionHandler.Response again = HANDLER.review(JSON.writeValueAsBytes(review), Decision.OptIn.POD);
        assertEquals(200, again.httpStatus());
        JsonNode second = JSON.readTree(again.body()).path("response");
        assertFalse(second.hasNonNull("patch"), () -> "injecting twice changed the pod again: "
                + new String(again.body(), StandardCharsets.UTF_8));
    }
}
