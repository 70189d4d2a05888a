package io.pgwarden.deploy;

import static io.pgwarden.deploy.DeployFiles.CONFIG_PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.pgwarden.config.ConfigException;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.Durations;
import io.pgwarden.config.PgwardenConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

/**
 * docker/k8s/, loaded into fabric8's Kubernetes model as the API server would read it: every field
 * known (none left in additionalProperties), the required ones present, and the objects agreeing
 * with each other, with the image and with pgwarden's config, which must pass pgwarden's own
 * loader with the environment the pod gets. The PrometheusRule must be what its generator makes
 * of docker/prometheus/alerts.yml.
 */
class KubernetesManifestsTest {

    private static final Path K8S = DeployFiles.docker("k8s");
    private static final String REGENERATE = "docker/k8s/generate-prometheusrule.sh > docker/k8s/prometheusrule.yaml";

    /** What the pod's name looks like; POD_NAME (fieldRef metadata.name) gets it. */
    private static final String POD_NAME = "pgwarden-6d5f7b9c8d-x2x7q";

    /** Issue 12's default shutdown_delay, used while the ConfigMap does not set it. */
    private static final Duration DEFAULT_SHUTDOWN_DELAY = Duration.ofSeconds(5);

    /** What terminationGracePeriodSeconds keeps beyond preStop and the drain, for the JVM to exit. */
    private static final long SPARE_SECONDS = 5;

    private static final Map<String, HasMetadata> BY_FILE = loadAll();

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        Map<String, Object> kustomization = DeployFiles.yamlMap(K8S.resolve("kustomization.yaml"));
        assertEquals("Kustomization", kustomization.get("kind"));
        try (Stream<Path> files = Files.list(K8S)) {
            Set<String> manifests = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(manifests, new TreeSet<>(DeployFiles.list(kustomization.get("resources"), "resources")));
        }
    }

    @Test
    void everyManifestIsAKnownKindWithNoUnknownFieldAndANameAndLabels() {
        Map<String, Class<?>> kinds = Map.of(
                "configmap.yaml", ConfigMap.class, "secret.yaml", Secret.class, "deployment.yaml", Deployment.class,
                "service.yaml", Service.class, "service-peers.yaml", Service.class,
                "poddisruptionbudget.yaml", PodDisruptionBudget.class,
                "servicemonitor.yaml", ServiceMonitor.class, "prometheusrule.yaml", PrometheusRule.class);
        assertEquals(kinds.keySet(), BY_FILE.keySet());
        BY_FILE.forEach((file, resource) -> {
            assertInstanceOf(kinds.get(file), resource, file + " is loaded as " + resource.getClass().getSimpleName());
            assertEquals(List.of(), UnknownFields.in(resource), file + ": fields the Kubernetes model does not know");
            assertNotNull(resource.getMetadata(), file + ": metadata");
            assertTrue(resource.getMetadata().getName().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), file + ": metadata.name");
            assertEquals("pgwarden", resource.getMetadata().getLabels().get("app.kubernetes.io/name"), file + ": labels");
        });
    }

    @Test
    void aMisspeltOrMisplacedFieldIsFound() {
        String deployment = DeployFiles.read(K8S.resolve("deployment.yaml"));
        String misspelt = deployment.replace("readinessProbe:", "readinesProbe:")
                .replace("      terminationGracePeriodSeconds:", "      restartPolicy: Always\n      terminationGracePeriodSecond:");
        HasMetadata loaded = serialization().unmarshal(misspelt);
        assertEquals(Set.of(".spec.template.spec.containers[0].readinesProbe", ".spec.template.spec.terminationGracePeriodSecond"),
                Set.copyOf(UnknownFields.in(loaded)));
    }

    @Test
    void deploymentRunsThreeSpreadReplicasOfTheImage() {
        Deployment deployment = get("deployment.yaml", Deployment.class);
        assertEquals(3, deployment.getSpec().getReplicas());
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertSelects(deployment.getSpec().getSelector(), podLabels, "Deployment's selector");
        assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(),
                "a replica goes only once its successor is ready");

        PodSpec pod = pod();
        List<WeightedPodAffinityTerm> antiAffinity =
                pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertEquals(1, antiAffinity.size());
        assertEquals("kubernetes.io/hostname", antiAffinity.get(0).getPodAffinityTerm().getTopologyKey());
        assertSelects(antiAffinity.get(0).getPodAffinityTerm().getLabelSelector(), podLabels, "anti-affinity");

        Container container = container();
        assertFalse(container.getName().isBlank());
        assertFalse(container.getImage().isBlank());
        assertTrue(container.getCommand().isEmpty(), "the image's ENTRYPOINT (java with its container flags) stays");
        assertEquals(DockerImageTest.DEFAULT_COMMAND, container.getArgs());

        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(DockerImageTest.imageUser(), pod.getSecurityContext().getRunAsUser());
        assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals("emptyDir", volumeAt("/tmp").getEmptyDir() != null ? "emptyDir" : "none",
                "a writable /tmp (Netty's native library) on a read-only root");
        assertNotNull(container.getResources().getLimits().get("memory"), "the JVM sizes its heap from the limit");
    }

    @Test
    void probesAskTheHealthEndpointsOnTheConfiguredHttpPort() throws ConfigException {
        Container container = container();
        int httpPort = config().http().port();
        assertHttpGet(container.getReadinessProbe(), "/health/ready", httpPort);
        assertHttpGet(container.getLivenessProbe(), "/health/live", httpPort);
        assertHttpGet(container.getStartupProbe(), "/health/live", httpPort);
        assertTrue(container.getStartupProbe().getFailureThreshold() * container.getStartupProbe().getPeriodSeconds() >= 30,
                "a slow JVM start is not killed by liveness");
        assertTrue(container.getReadinessProbe().getPeriodSeconds() <= 10, "an unready replica leaves the Service soon");
    }

    @Test
    void gracePeriodCoversPreStopAndTheDrain() {
        List<String> preStop = container().getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.get(0));
        long preStopSeconds = Long.parseLong(preStop.get(1));
        assertTrue(preStopSeconds > 0);
        // shutdown_timeout counts from SIGTERM, shutdown_delay inside it
        Duration drain = drainSetting("shutdown_timeout").orElseThrow(() -> new AssertionError(
                "configmap.yaml names no shutdown_timeout"));
        assertTrue(drain.compareTo(drainSetting("shutdown_delay").orElse(DEFAULT_SHUTDOWN_DELAY)) > 0,
                "shutdown_timeout must leave time after shutdown_delay");
        long needed = preStopSeconds + drain.toSeconds() + SPARE_SECONDS;
        assertTrue(pod().getTerminationGracePeriodSeconds() >= needed, "terminationGracePeriodSeconds "
                + pod().getTerminationGracePeriodSeconds() + " < preStop " + preStopSeconds + " s + drain " + drain.toSeconds()
                + " s + " + SPARE_SECONDS + " s to spare");
    }

    @Test
    void configFromTheConfigMapPassesPgwardensLoaderAndMatchesTheContainer() throws ConfigException {
        ConfigMap configMap = get("configmap.yaml", ConfigMap.class);
        VolumeMount mount = container().getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(Path.of(CONFIG_PATH).getParent().toString())).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + Path.of(CONFIG_PATH).getParent()));
        assertTrue(mount.getReadOnly());
        assertNull(mount.getSubPath(), "a subPath mount never sees a changed ConfigMap");
        assertEquals(configMap.getMetadata().getName(), volumeAt(mount.getMountPath()).getConfigMap().getName());
        assertEquals(Set.of(Path.of(CONFIG_PATH).getFileName().toString()), configMap.getData().keySet());

        PgwardenConfig config = config();
        assertEquals("0.0.0.0", config.listen().host());
        assertEquals(config.listen().port(), containerPort("postgres").getContainerPort());
        assertTrue(config.http().enabled());
        assertEquals("0.0.0.0", config.http().host(), "the kubelet probes the pod's address");
        assertEquals(config.http().port(), containerPort("http").getContainerPort());
    }

    @Test
    void secretsComeFromTheSecretAndEveryKeyOfItIsUsed() throws ConfigException {
        Secret secret = get("secret.yaml", Secret.class);
        Set<String> used = new TreeSet<>();
        for (EnvVar variable : container().getEnv()) {
            if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
                assertEquals(secret.getMetadata().getName(), variable.getValueFrom().getSecretKeyRef().getName(), variable.getName());
                used.add(variable.getValueFrom().getSecretKeyRef().getKey());
            }
        }
        assertEquals(new TreeSet<>(secret.getStringData().keySet()), used);
        assertTrue(config().backends().values().stream().allMatch(b -> !b.adminPassword().isEmpty()));
        String yaml = configYaml();
        for (String secretVariable : List.of("PGWARDEN_ADMIN_PASSWORD", "ORDERS_DB_PASSWORD", "PAYMENTS_DB_PASSWORD")) {
            assertTrue(yaml.contains("${" + secretVariable + "}"), "the config reads " + secretVariable);
        }
    }

    @Test
    void servicesForClientsAndPeersAndTheDisruptionBudget() {
        Map<String, String> podLabels = get("deployment.yaml", Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
        Service clients = get("service.yaml", Service.class);
        assertEquals(podLabels, clients.getSpec().getSelector());
        assertEquals(Set.of("postgres", "http"), portNames(clients));
        for (ServicePort port : clients.getSpec().getPorts()) {
            assertEquals(containerPort(port.getTargetPort().getStrVal()).getContainerPort(), port.getPort(), port.getName());
        }

        Service peers = get("service-peers.yaml", Service.class);
        assertEquals("None", peers.getSpec().getClusterIP(), "headless: the name resolves to every pod");
        assertTrue(peers.getSpec().getPublishNotReadyAddresses(), "a draining replica still gets its cancels");
        assertEquals(podLabels, peers.getSpec().getSelector());
        assertEquals(Set.of("postgres"), portNames(peers));

        PodDisruptionBudget budget = get("poddisruptionbudget.yaml", PodDisruptionBudget.class);
        assertSelects(budget.getSpec().getSelector(), podLabels, "PodDisruptionBudget");
        assertNull(budget.getSpec().getMinAvailable(), "one of minAvailable and maxUnavailable");
        IntOrString maxUnavailable = budget.getSpec().getMaxUnavailable();
        assertEquals(1, maxUnavailable.getIntVal(), "one replica down at a time");
        assertTrue(maxUnavailable.getIntVal() < get("deployment.yaml", Deployment.class).getSpec().getReplicas());
    }

    @Test
    void serviceMonitorScrapesTheClientServicesHttpPort() {
        ServiceMonitor monitor = get("servicemonitor.yaml", ServiceMonitor.class);
        Service clients = get("service.yaml", Service.class);
        Service peers = get("service-peers.yaml", Service.class);
        assertSelects(monitor.getSpec().getSelector(), clients.getMetadata().getLabels(), "ServiceMonitor");
        assertFalse(selects(monitor.getSpec().getSelector(), peers.getMetadata().getLabels()), "each pod scraped once");
        List<Endpoint> endpoints = monitor.getSpec().getEndpoints();
        assertEquals(1, endpoints.size());
        assertEquals("http", endpoints.get(0).getPort());
        assertEquals("/metrics", endpoints.get(0).getPath());
        assertTrue(portNames(clients).contains(endpoints.get(0).getPort()));
    }

    @Test
    void prometheusRuleIsGeneratedFromTheAlertRules() throws Exception {
        Process process = new ProcessBuilder("bash", K8S.resolve("generate-prometheusrule.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        process.getOutputStream().close();
        String generated = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "generate-prometheusrule.sh failed");
        String committed = DeployFiles.read(K8S.resolve("prometheusrule.yaml"));
        assertTrue(generated.equals(committed),
                "docker/k8s/prometheusrule.yaml is not what docker/prometheus/alerts.yml makes; regenerate it: " + REGENERATE);

        List<String> alerts = DeployFiles.list(DeployFiles.map(DeployFiles.list(DeployFiles.yamlMap(
                DeployFiles.docker("prometheus/alerts.yml")).get("groups"), "groups").get(0), "group").get("rules"), "rules")
                .stream().map(rule -> String.valueOf(DeployFiles.map(rule, "rule").get("alert"))).toList();
        PrometheusRule rule = get("prometheusrule.yaml", PrometheusRule.class);
        List<Rule> rules = rule.getSpec().getGroups().get(0).getRules();
        assertEquals(alerts, rules.stream().map(Rule::getAlert).toList());
        for (Rule each : rules) {
            assertFalse(each.getExpr().getStrVal().isBlank(), each.getAlert() + ": expr");
        }
    }

    // ---- reading

    /**
     * fabric8's reader, knowing only the kinds docker/k8s/ may hold (any other kind loads as a
     * GenericKubernetesResource, which the kind check refuses). Not searching the class path for
     * every kind of every model saves seconds.
     */
    private static KubernetesSerialization serialization() {
        KubernetesSerialization serialization = new KubernetesSerialization(new ObjectMapper(), false);
        for (Class<? extends KubernetesResource> kind : List.of(ConfigMap.class, Secret.class, Deployment.class, Service.class,
                PodDisruptionBudget.class, ServiceMonitor.class, PrometheusRule.class)) {
            serialization.registerKubernetesResource(kind);
        }
        return serialization;
    }

    private static Map<String, HasMetadata> loadAll() {
        KubernetesSerialization serialization = serialization();
        Map<String, HasMetadata> byFile = new HashMap<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml")).toList()) {
                String text = DeployFiles.read(file);
                assertFalse(text.contains("\n---"), file + ": one object per file");
                try (InputStream in = Files.newInputStream(file)) {
                    Object loaded = serialization.unmarshal(in);
                    assertInstanceOf(HasMetadata.class, loaded, file + " is not a Kubernetes object");
                    byFile.put(file.getFileName().toString(), (HasMetadata) loaded);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return byFile;
    }

    private static <T> T get(String file, Class<T> type) {
        return type.cast(BY_FILE.get(file));
    }

    private static PodSpec pod() {
        return get("deployment.yaml", Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static Container container() {
        List<Container> containers = pod().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    private static ContainerPort containerPort(String name) {
        return container().getPorts().stream().filter(port -> name.equals(port.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static Volume volumeAt(String mountPath) {
        String name = container().getVolumeMounts().stream().filter(m -> m.getMountPath().equals(mountPath))
                .map(VolumeMount::getName).findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + mountPath));
        return pod().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static String configYaml() {
        return get("configmap.yaml", ConfigMap.class).getData().get(Path.of(CONFIG_PATH).getFileName().toString());
    }

    /** pgwarden's config as the pod loads it: ${VARIABLES} from the container's env, secrets from the Secret. */
    private static PgwardenConfig config() throws ConfigException {
        Secret secret = get("secret.yaml", Secret.class);
        Map<String, String> environment = new HashMap<>();
        for (EnvVar variable : container().getEnv()) {
            if (variable.getValueFrom() == null) {
                environment.put(variable.getName(), variable.getValue());
            } else if (variable.getValueFrom().getSecretKeyRef() != null) {
                environment.put(variable.getName(), secret.getStringData().get(variable.getValueFrom().getSecretKeyRef().getKey()));
            } else {
                assertEquals("metadata.name", variable.getValueFrom().getFieldRef().getFieldPath(), variable.getName());
                environment.put(variable.getName(), POD_NAME);
            }
        }
        return ConfigLoader.parse(configYaml(), "docker/k8s/configmap.yaml: pgwarden.yaml", environment::get);
    }

    /**
     * A drain setting of the config: the key itself, or, until pgwarden knows it, the commented-out
     * line that plans it ({@code # shutdown_timeout: 30s}).
     */
    private static Optional<Duration> drainSetting(String key) {
        Matcher matcher = Pattern.compile("(?m)^\\s*(?:#\\s*)?" + key + ":\\s*(\\S+)").matcher(configYaml());
        return matcher.find() ? Optional.of(Durations.parse(matcher.group(1))) : Optional.empty();
    }

    private static void assertHttpGet(Probe probe, String path, int port) {
        assertNotNull(probe, path);
        HTTPGetAction get = probe.getHttpGet();
        assertNotNull(get, path + ": an httpGet probe");
        assertEquals(path, get.getPath());
        assertEquals(port, containerPort(get.getPort().getStrVal()).getContainerPort(), path + ": port");
    }

    private static Set<String> portNames(Service service) {
        return service.getSpec().getPorts().stream().map(ServicePort::getName).collect(Collectors.toSet());
    }

    private static void assertSelects(LabelSelector selector, Map<String, String> labels, String what) {
        assertNotNull(selector, what);
        assertTrue(selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty(), what + ": matchLabels only");
        assertFalse(selector.getMatchLabels().isEmpty(), what + ": an empty selector selects everything");
        assertTrue(selects(selector, labels), what + " " + selector.getMatchLabels() + " does not select " + labels);
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        return labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }
}
