package io.sigcar.inject;

import tools.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.sigcar.config.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure {@code Pod -> Pod} step: returns a copy of the pod with the sigcar sidecar added, its
 * volumes, the app's named port handed over, and the status annotation. No I/O, no clock; the
 * admission handler diffs the result against the original to get the JSON Patch.
 */
public final class PodMutator {

    public static final String CONTAINER = "sigcar";
    public static final String ADMIN_PORT_NAME = "sigcar-admin";
    /** The sidecar's port name when the app has no named port to take over. */
    public static final String OWN_PORT_NAME = "sigcar-http";
    static final String KEYS_VOLUME = "sigcar-keys";
    static final String TMP_VOLUME = "sigcar-tmp";
    static final String POLICY_VOLUME = "sigcar-policy";
    static final String KEYS_DIR = "/etc/sigcar/keys";
    static final String POLICY_DIR = "/etc/sigcar/policy";
    static final String REPLAY_STORE_VOLUME = "sigcar-replay-store";
    static final String REPLAY_STORE_DIR = "/etc/sigcar/replay-store";
    static final long USER = 65532;
    private static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InjectorConfig.Sidecar config;
    private final String version;

    /** @param version written into the status annotation (the injector's version) */
    public PodMutator(InjectorConfig config, String version) {
        this.config = config.sidecar();
        this.version = version;
    }

    /** The app's container port the sidecar takes over by name. */
    private record Takeover(Container container, ContainerPort port) {}

    /** @throws Refusal when an annotation is invalid or the sidecar's ports clash with the pod's */
    public Pod inject(Pod original) {
        Pod pod = new PodBuilder(original).build();
        Annotations.Overrides o = Annotations.parse(pod.getMetadata().getAnnotations());
        boolean nativeSidecar = o.nativeSidecar() != null ? o.nativeSidecar() : config.nativeSidecar();
        int listen = o.listenPort() != null ? o.listenPort() : config.listenPort();
        int admin = config.adminPort();
        Takeover takeover = findTakeover(pod.getSpec().getContainers());
        int upstream = o.upstreamPort() != null ? o.upstreamPort()
                : takeover != null ? takeover.port().getContainerPort() : config.upstreamPort();
        checkPorts(pod, o, listen, admin, upstream);
        checkVolumes(pod);

        String portName = OWN_PORT_NAME;
        if (takeover != null) {
            portName = config.takeoverPortName();
            int appPort = takeover.port().getContainerPort();
            takeover.port().setName(appPortName(portName));
            rewriteNamedPort(takeover.container(), portName, appPort);
        }
        Container sidecar = sidecar(o, listen, admin, upstream, portName, nativeSidecar);
        if (nativeSidecar) {
            // Last among the init containers: the pod's own init steps are not held up by the
            // sidecar's start, and the app containers start only once its startupProbe passes.
            List<Container> inits = new ArrayList<>(nullToEmpty(pod.getSpec().getInitContainers()));
            inits.add(sidecar);
            pod.getSpec().setInitContainers(inits);
        } else {
            List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
            containers.addFirst(sidecar);
            pod.getSpec().setContainers(containers);
        }
        List<Volume> volumes = new ArrayList<>(nullToEmpty(pod.getSpec().getVolumes()));
        volumes.addAll(volumes(o));
        pod.getSpec().setVolumes(volumes);

        Map<String, String> labels = new LinkedHashMap<>(nullToEmpty(pod.getMetadata().getLabels()));
        labels.put(Annotations.INJECTED_LABEL, "true");
        pod.getMetadata().setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>(nullToEmpty(pod.getMetadata().getAnnotations()));
        annotations.put(Annotations.STATUS, status(nativeSidecar, listen, admin, upstream, takeover));
        if (!nativeSidecar && !annotations.containsKey(DEFAULT_CONTAINER)) {
            // The sidecar is now the first container: keep `kubectl logs/exec` pointing at the app.
            annotations.put(DEFAULT_CONTAINER, original.getSpec().getContainers().getFirst().getName());
        }
        pod.getMetadata().setAnnotations(annotations);
        return pod;
    }

    private Takeover findTakeover(List<Container> containers) {
        for (Container c : containers) {
            for (ContainerPort p : nullToEmpty(c.getPorts())) {
                if (config.takeoverPortName().equals(p.getName())
                        && (p.getProtocol() == null || p.getProtocol().equals("TCP"))) {
                    if (p.getContainerPort() == null) {
                        throw new Refusal("container '" + c.getName() + "' port '" + p.getName()
                                + "' has no containerPort, so the sidecar cannot take it over");
                    }
                    return new Takeover(c, p);
                }
            }
        }
        return null;
    }

    /** {@code http} becomes {@code sigcar-app-http}; names too long for the 15-character limit become {@code sigcar-app}. */
    static String appPortName(String name) {
        String n = "sigcar-app-" + name;
        return n.length() <= 15 ? n : "sigcar-app";
    }

    /** Probes and lifecycle hooks that named the port now use its number, so the kubelet still reaches the app. */
    private static void rewriteNamedPort(Container c, String name, int number) {
        for (Probe p : new Probe[] {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
            if (p != null) {
                if (p.getHttpGet() != null && named(p.getHttpGet().getPort(), name)) {
                    p.getHttpGet().setPort(new IntOrString(number));
                }
                if (p.getTcpSocket() != null && named(p.getTcpSocket().getPort(), name)) {
                    p.getTcpSocket().setPort(new IntOrString(number));
                }
            }
        }
        if (c.getLifecycle() != null) {
            for (LifecycleHandler h : new LifecycleHandler[] {c.getLifecycle().getPostStart(),
                c.getLifecycle().getPreStop()}) {
                if (h != null && h.getHttpGet() != null && named(h.getHttpGet().getPort(), name)) {
                    h.getHttpGet().setPort(new IntOrString(number));
                }
                if (h != null && h.getTcpSocket() != null && named(h.getTcpSocket().getPort(), name)) {
                    h.getTcpSocket().setPort(new IntOrString(number));
                }
            }
        }
    }

    private static boolean named(IntOrString port, String name) {
        return port != null && name.equals(port.getStrVal());
    }

    private static void checkPorts(Pod pod, Annotations.Overrides o, int listen, int admin, int upstream) {
        String listenSource = o.listenPort() != null ? "annotation " + Annotations.LISTEN_PORT
                : "the injector's listenPort";
        if (listen == admin) {
            throw new Refusal("sidecar port " + listen + " (" + listenSource + ") is the sidecar's admin port");
        }
        if (upstream == listen || upstream == admin) {
            throw new Refusal("the app's port " + upstream + " is also a sidecar port (listen " + listen + ", admin "
                    + admin + "); set " + Annotations.LISTEN_PORT + " or " + Annotations.UPSTREAM_PORT);
        }
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        all.addAll(nullToEmpty(pod.getSpec().getInitContainers()));
        for (Container c : all) {
            for (ContainerPort p : nullToEmpty(c.getPorts())) {
                Integer n = p.getContainerPort();
                if (n != null && (n == listen || n == admin)) {
                    throw new Refusal("container '" + c.getName() + "' uses port " + n + ", which the sidecar needs ("
                            + (n == listen ? listenSource : "admin port") + "); set " + Annotations.LISTEN_PORT
                            + " to a free port");
                }
            }
        }
    }

    private static void checkVolumes(Pod pod) {
        for (Volume v : nullToEmpty(pod.getSpec().getVolumes())) {
            // A volume without a name is the API server's to refuse (validation runs after the webhooks).
            if (KEYS_VOLUME.equals(v.getName()) || TMP_VOLUME.equals(v.getName())
                    || POLICY_VOLUME.equals(v.getName()) || REPLAY_STORE_VOLUME.equals(v.getName())) {
                throw new Refusal("the pod already has a volume named '" + v.getName() + "', which the sidecar uses");
            }
        }
    }

    private Container sidecar(Annotations.Overrides o, int listen, int admin, int upstream, String portName,
            boolean nativeSidecar) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Field.LISTEN.env(), "0.0.0.0:" + listen);
        env.put(Field.UPSTREAM.env(), "127.0.0.1:" + upstream);
        env.put(Field.ADMIN.env(), "0.0.0.0:" + admin);
        env.put(Field.KEYS.env(), KEYS_DIR);
        env.put(Field.LOG_LEVEL.env(), o.logLevel() != null ? o.logLevel() : config.logLevel());
        List<String> args = new ArrayList<>(List.of("proxy"));
        if (o.policy() != null) {
            // The policy file is the pod's whole proxy config: settings in it must not be overridden by
            // the injector's defaults, and SIGCAR_* variables would win over the file.
            args.addAll(List.of("--config", POLICY_DIR + "/" + Annotations.DEFAULT_POLICY_KEY));
        } else {
            config.settings().forEach((key, value) -> env.put(envName(key), value));
        }
        o.presetKeys().forEach((preset, ids) -> env.put(envName(preset + "-keys"), String.join(",", ids)));
        boolean replayStoreSecret = !config.replayStoreSecret().isEmpty();
        if (replayStoreSecret) {
            env.put(Field.REPLAY_STORE_PASSWORD_FILE.env(), REPLAY_STORE_DIR + "/password");
        }

        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName(KEYS_VOLUME).withMountPath(KEYS_DIR).withReadOnly(true).build());
        mounts.add(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build());
        if (o.policy() != null) {
            mounts.add(new VolumeMountBuilder().withName(POLICY_VOLUME).withMountPath(POLICY_DIR).withReadOnly(true)
                    .build());
        }
        if (replayStoreSecret) {
            mounts.add(new VolumeMountBuilder().withName(REPLAY_STORE_VOLUME).withMountPath(REPLAY_STORE_DIR)
                    .withReadOnly(true).build());
        }
        Map<String, Quantity> requests = new LinkedHashMap<>(config.requests());
        requests.putAll(o.requests());
        Map<String, Quantity> limits = new LinkedHashMap<>(config.limits());
        limits.putAll(o.limits());
        checkResources(requests, limits);

        ContainerBuilder b = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withArgs(args)
                .withEnv(env.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList())
                .withPorts(new ContainerPortBuilder().withName(portName).withContainerPort(listen).withProtocol("TCP")
                                .build(),
                        new ContainerPortBuilder().withName(ADMIN_PORT_NAME).withContainerPort(admin)
                                .withProtocol("TCP").build())
                .withNewResources().withRequests(sorted(requests)).withLimits(sorted(limits)).endResources()
                .withVolumeMounts(mounts)
                .withStartupProbe(readyz(admin, 1, 120))
                .withReadinessProbe(readyz(admin, 5, 3))
                .withNewSecurityContext()
                    .withRunAsNonRoot(true).withRunAsUser(USER).withRunAsGroup(USER)
                    .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                    .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext();
        if (nativeSidecar) {
            b.withRestartPolicy("Always");
        }
        return b.build();
    }

    private static String envName(String key) {
        return "SIGCAR_" + key.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    private static void checkResources(Map<String, Quantity> requests, Map<String, Quantity> limits) {
        for (Map.Entry<String, Quantity> r : requests.entrySet()) {
            Quantity limit = limits.get(r.getKey());
            if (limit != null && Quantity.getAmountInBytes(r.getValue())
                    .compareTo(Quantity.getAmountInBytes(limit)) > 0) {
                throw new Refusal("sidecar " + r.getKey() + " request " + r.getValue() + " exceeds its limit " + limit
                        + " (check " + Annotations.PREFIX + r.getKey() + "-request/-limit and the injector config)");
            }
        }
    }

    private static Map<String, Quantity> sorted(Map<String, Quantity> m) {
        return m.isEmpty() ? null : new java.util.TreeMap<>(m);
    }

    private static Probe readyz(int adminPort, int period, int failures) {
        return new ProbeBuilder().withNewHttpGet().withPath("/readyz").withPort(new IntOrString(adminPort))
                .endHttpGet().withPeriodSeconds(period).withTimeoutSeconds(1).withFailureThreshold(failures).build();
    }

    private List<Volume> volumes(Annotations.Overrides o) {
        List<Volume> out = new ArrayList<>();
        out.add(new VolumeBuilder().withName(KEYS_VOLUME).withNewSecret()
                .withSecretName(o.keysSecret() != null ? o.keysSecret() : config.keysSecret()).endSecret().build());
        // The JVM writes to /tmp (the native library is extracted there) under a read-only root filesystem.
        out.add(new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().withSizeLimit(new Quantity("64Mi"))
                .endEmptyDir().build());
        if (!config.replayStoreSecret().isEmpty()) {
            out.add(new VolumeBuilder().withName(REPLAY_STORE_VOLUME).withNewSecret()
                    .withSecretName(config.replayStoreSecret()).addNewItem().withKey("password").withPath("password")
                    .endItem().endSecret().build());
        }
        if (o.policy() != null) {
            out.add(new VolumeBuilder().withName(POLICY_VOLUME).withNewConfigMap().withName(o.policy().configMap())
                    .addNewItem().withKey(o.policy().key()).withPath(Annotations.DEFAULT_POLICY_KEY).endItem()
                    .endConfigMap().build());
        }
        return out;
    }

    private String status(boolean nativeSidecar, int listen, int admin, int upstream, Takeover takeover) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("version", version);
        s.put("image", config.image());
        s.put("mode", nativeSidecar ? "native" : "container");
        s.put("container", CONTAINER);
        s.put("listenPort", listen);
        s.put("adminPort", admin);
        s.put("upstreamPort", upstream);
        if (takeover != null) {
            s.put("takeover", config.takeoverPortName());
        }
        return JSON.writeValueAsString(s);
    }

    private static <T> List<T> nullToEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static <K, V> Map<K, V> nullToEmpty(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }
}
