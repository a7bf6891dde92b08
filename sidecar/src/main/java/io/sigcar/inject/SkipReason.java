package io.sigcar.inject;

/**
 * Why a pod was left as it is. Each code is a metric label, a log field and the
 * AdmissionReview status message, so the three always agree.
 */
public enum SkipReason {
    KUBE_SYSTEM("kube_system", "pods in kube-system are never injected"),
    INJECTOR_NAMESPACE("injector_namespace", "pods in the injector's own namespace are never injected"),
    ALREADY_INJECTED("already_injected", "the pod already has the sigcar sidecar"),
    OPTED_OUT("opted_out", "the pod opted out with sigcar.io/inject: \"false\""),
    NOT_OPTED_IN("not_opted_in", "the pod did not opt in (sigcar.io/inject label or annotation \"true\")"),
    HOST_NETWORK("host_network", "hostNetwork pods share the node's ports; the sidecar cannot take over a port"),
    NOT_A_POD("not_a_pod", "the object is not a Pod"),
    NOT_CREATE("not_create", "only pod creation is mutated");

    private final String code;
    private final String message;

    SkipReason(String code, String message) {
        this.code = code;
        this.message = message;
    }

    public String code() {
        return code;
    }

    public String message() {
        return message;
    }
}
