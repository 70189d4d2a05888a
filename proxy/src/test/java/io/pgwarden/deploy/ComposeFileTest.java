package io.pgwarden.deploy;

import static io.pgwarden.deploy.DeployFiles.CONFIG_PATH;
import static io.pgwarden.deploy.DeployFiles.list;
import static io.pgwarden.deploy.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.ConfigException;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.yaml, checked without a Docker engine: parsed as compose would read it (variables
 * at their defaults, merge keys resolved), then its services, ports, mounts, health checks and
 * start order, and pgwarden's config in it loaded by pgwarden's own loader with the environment
 * compose gives the container.
 */
class ComposeFileTest {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private static final Map<String, Object> COMPOSE = interpolated();
    private static final Map<String, Object> SERVICES = map(COMPOSE, "services", "compose.yaml");

    @Test
    void hasPostgresPgwardenPrometheusAndGrafana() {
        assertEquals(List.of("postgres", "pgwarden-provision", "pgwarden", "prometheus", "grafana"),
                List.copyOf(SERVICES.keySet()));
        assertEquals("postgres:17", service("postgres").get("image"));
        assertEquals(List.of("CMD", "pg_isready", "-U", "postgres", "-d", "postgres"), healthcheck("postgres"));
    }

    @Test
    void pgwardenIsBuiltFromTheDockerfileProvisionsFirstThenRuns() {
        for (String name : List.of("pgwarden-provision", "pgwarden")) {
            Map<String, Object> build = map(service(name), "build", name);
            Path context = DeployFiles.docker(".").resolve(String.valueOf(build.get("context"))).normalize();
            assertEquals(DeployFiles.root(), context, name + " builds from the repository root");
            assertEquals(DeployFiles.docker("Dockerfile"), context.resolve(String.valueOf(build.get("dockerfile"))));
            assertEquals(List.of("./compose/pgwarden.yaml:" + CONFIG_PATH + ":ro"), service(name).get("volumes"));
        }
        assertEquals(List.of("provision", "--config", CONFIG_PATH), service("pgwarden-provision").get("command"));
        assertEquals("service_healthy", condition("pgwarden-provision", "postgres"));
        assertEquals(DockerImageTest.DEFAULT_COMMAND, service("pgwarden").get("command"));
        assertEquals("service_completed_successfully", condition("pgwarden", "pgwarden-provision"));
        assertEquals(DockerImageTest.readinessCheck(), healthcheck("pgwarden").subList(1, healthcheck("pgwarden").size()));
    }

    @Test
    void pgwardensConfigLoadsWithComposesEnvironmentAndMatchesPortsAndPostgres() throws ConfigException {
        PgwardenConfig config = pgwardenConfig();
        assertEquals("0.0.0.0", config.listen().host());
        assertTrue(config.http().enabled(), "Prometheus and the health check need http:");
        assertEquals("0.0.0.0", config.http().host());
        assertEquals(List.of(config.listen().port() + ":" + config.listen().port(), config.http().port() + ":" + config.http().port()),
                service("pgwarden").get("ports"));
        assertTrue(String.valueOf(healthcheck("pgwarden")).contains("127.0.0.1:" + config.http().port() + "/health/ready"));

        BackendConfig backend = config.backends().values().iterator().next();
        assertEquals(1, config.backends().size());
        assertEquals("postgres", backend.host(), "the compose service");
        assertEquals(5432, backend.port());
        assertEquals("postgres", backend.adminUser());
        assertEquals(map(service("postgres"), "environment", "postgres").get("POSTGRES_PASSWORD"), backend.adminPassword());
    }

    @Test
    void prometheusScrapesPgwardenWithTheShippedRulesAndGrafanaShowsTheShippedDashboard() throws ConfigException {
        assertEquals(List.of("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro"), service("prometheus").get("volumes"));
        Map<String, Object> prometheus = DeployFiles.yamlMap(DeployFiles.docker("prometheus/prometheus.yml"));
        assertEquals(List.of("alerts.yml"), prometheus.get("rule_files"), "read next to prometheus.yml");
        String targets = String.valueOf(prometheus.get("scrape_configs"));
        assertTrue(targets.contains("pgwarden:" + pgwardenConfig().http().port()), targets);
        assertEquals(List.of("9090:9090"), service("prometheus").get("ports"));
        assertEquals("service_healthy", condition("prometheus", "pgwarden"));

        List<Object> grafanaMounts = list(service("grafana").get("volumes"), "grafana.volumes");
        assertEquals(List.of("./grafana/provisioning:/etc/grafana/provisioning:ro",
                "./grafana/pgwarden.json:/var/lib/grafana/dashboards/pgwarden.json:ro"), grafanaMounts);
        Map<String, Object> datasource = map(list(DeployFiles.yamlMap(
                DeployFiles.docker("grafana/provisioning/datasources/prometheus.yaml")).get("datasources"), "datasources").get(0), "datasource");
        assertEquals("http://prometheus:9090", datasource.get("url"));
        assertEquals(true, datasource.get("isDefault"), "the dashboard's datasource variable takes the default");
        Map<String, Object> provider = map(list(DeployFiles.yamlMap(
                DeployFiles.docker("grafana/provisioning/dashboards/pgwarden.yaml")).get("providers"), "providers").get(0), "provider");
        assertEquals("/var/lib/grafana/dashboards", map(provider, "options", "provider").get("path"));
        assertEquals(List.of("3000:3000"), service("grafana").get("ports"));
    }

    @Test
    void everyMountedFileIsInTheRepositoryAndEveryAwaitedServiceHasAHealthCheck() {
        Set<String> volumes = map(COMPOSE, "volumes", "compose.yaml").keySet();
        for (String name : SERVICES.keySet()) {
            for (Object mount : list(service(name).getOrDefault("volumes", List.of()), name + ".volumes")) {
                String source = String.valueOf(mount).split(":")[0];
                if (source.startsWith(".")) {
                    DeployFiles.assertFileInRepository(DeployFiles.docker(source), "compose service " + name);
                } else {
                    assertTrue(volumes.contains(source), name + " mounts " + source + ", not a declared volume");
                }
            }
            Map<String, Object> dependsOn = map(service(name).getOrDefault("depends_on", Map.of()), name + ".depends_on");
            for (String dependency : dependsOn.keySet()) {
                assertTrue(SERVICES.containsKey(dependency), name + " waits for " + dependency + ", not a service");
                if ("service_healthy".equals(condition(name, dependency))) {
                    assertTrue(healthcheck(dependency).get(0).equals("CMD"), dependency + " has a health check");
                }
            }
        }
    }

    private static PgwardenConfig pgwardenConfig() throws ConfigException {
        Map<String, Object> environment = map(service("pgwarden"), "environment", "pgwarden");
        return ConfigLoader.parse(DeployFiles.read(DeployFiles.docker("compose/pgwarden.yaml")), "docker/compose/pgwarden.yaml",
                name -> environment.containsKey(name) ? String.valueOf(environment.get(name)) : null);
    }

    private static Map<String, Object> service(String name) {
        return map(SERVICES, name, "services");
    }

    private static List<Object> healthcheck(String name) {
        return list(map(service(name), "healthcheck", name).get("test"), name + ".healthcheck.test");
    }

    private static Object condition(String service, String dependency) {
        return map(map(service(service), "depends_on", service), dependency, service + ".depends_on").get("condition");
    }

    /** compose.yaml with every ${VAR:-default} at its default, as in a shell that sets none of them. */
    private static Map<String, Object> interpolated() {
        return map(interpolate(DeployFiles.yaml(DeployFiles.read(DeployFiles.docker("compose.yaml"))), "compose.yaml"), "compose.yaml");
    }

    private static Object interpolate(Object node, String path) {
        if (node instanceof Map<?, ?> mapping) {
            Map<String, Object> copy = new LinkedHashMap<>();
            mapping.forEach((key, value) -> copy.put(String.valueOf(key), interpolate(value, path + "." + key)));
            return copy;
        }
        if (node instanceof List<?> items) {
            List<Object> copy = new ArrayList<>();
            items.forEach(item -> copy.add(interpolate(item, path + "[]")));
            return copy;
        }
        if (node instanceof String text) {
            Matcher matcher = VARIABLE.matcher(text);
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                if (matcher.group(2) == null) {
                    fail(path + " uses ${" + matcher.group(1) + "} without a default: compose would run with it empty");
                }
                matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group(2)));
            }
            matcher.appendTail(out);
            return out.toString();
        }
        return node;
    }
}
