package io.sigcar.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Whether a pod gets the sidecar: the opt-in rules of the contract, as a pure function. */
public final class Decision {

    /** Which webhook called: the namespace-label one ({@code /inject?opt-in=namespace}) or the pod one. */
    public enum OptIn { NAMESPACE, POD }

    private Decision() {}

    /** Empty: inject. Otherwise the reason to leave the pod alone. */
    public static Optional<SkipReason> skip(String namespace, String injectorNamespace, Pod pod, OptIn via) {
        if ("kube-system".equals(namespace)) {
            return Optional.of(SkipReason.KUBE_SYSTEM);
        }
        if (namespace != null && namespace.equals(injectorNamespace)) {
            return Optional.of(SkipReason.INJECTOR_NAMESPACE);
        }
        var meta = pod.getMetadata();
        if ((meta.getAnnotations() != null && meta.getAnnotations().containsKey(Annotations.STATUS))
                || hasSidecar(pod)) {
            return Optional.of(SkipReason.ALREADY_INJECTED);
        }
        Boolean annotation = Annotations.flag(meta.getAnnotations(), Annotations.INJECT);
        if (Boolean.FALSE.equals(annotation)) {
            return Optional.of(SkipReason.OPTED_OUT);
        }
        boolean optedIn = via == OptIn.NAMESPACE || Boolean.TRUE.equals(annotation)
                || Boolean.TRUE.equals(Annotations.flag(meta.getLabels(), Annotations.INJECT));
        if (!optedIn) {
            return Optional.of(SkipReason.NOT_OPTED_IN);
        }
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return Optional.of(SkipReason.HOST_NETWORK);
        }
        return Optional.empty();
    }

    private static boolean hasSidecar(Pod pod) {
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            all.addAll(pod.getSpec().getInitContainers());
        }
        return all.stream().anyMatch(c -> PodMutator.CONTAINER.equals(c.getName()));
    }
}
