package io.pgwarden.deploy;

import static io.pgwarden.deploy.DeployFiles.CONFIG_PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.deploy.Dockerfile.Instruction;
import io.pgwarden.deploy.Dockerfile.Options;
import io.pgwarden.deploy.Dockerfile.Stage;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docker/Dockerfile, read without a Docker engine: a Maven build stage, then a JRE 17 runtime with
 * only the production jar, a user without privileges, the config at its fixed path, a HEALTHCHECK
 * on /health/ready and container-aware JVM flags; every file it copies is in the repository and
 * not hidden by its .dockerignore.
 */
class DockerImageTest {

    private static final Dockerfile DOCKERFILE = Dockerfile.parse(DeployFiles.read(DeployFiles.docker("Dockerfile")));

    /** What the image starts with no arguments (compose and Kubernetes pass the same). */
    static final List<String> DEFAULT_COMMAND = List.of("run", "--config", CONFIG_PATH);

    /** The image's user; Kubernetes' runAsUser must be the same. */
    static long imageUser() {
        String user = DOCKERFILE.last().only("USER").arguments();
        return Long.parseLong(user.split(":")[0]);
    }

    @Test
    void buildsTheJarWithMavenThenRunsItOnAJre17() {
        assertEquals(2, DOCKERFILE.stages().size(), "two stages: build, runtime");
        Stage build = DOCKERFILE.stage("build");
        assertTrue(build.from().startsWith("eclipse-temurin:17-jdk"), build.from());
        assertTrue(build.all("RUN").stream().anyMatch(run -> run.arguments().contains("./mvnw")
                && run.arguments().contains("-pl proxy -am package")), "the build stage runs ./mvnw -pl proxy -am package");

        Stage runtime = DOCKERFILE.last();
        assertTrue(runtime.from().startsWith("eclipse-temurin:17-jre"), runtime.from());
        List<Instruction> fromBuild = runtime.all("COPY");
        assertEquals(1, fromBuild.size(), "the runtime copies the jar and nothing else");
        Options copy = Options.of(fromBuild.get(0).arguments());
        assertEquals("build", copy.flags().get("from"));
        String workdir = build.only("WORKDIR").arguments();
        assertEquals(List.of(workdir + "/proxy/target/pgwarden.jar", "/opt/pgwarden/pgwarden.jar"),
                Arrays.asList(copy.rest().split("\\s+")), "the production jar (PackagedJarsIT checks it is slim)");
    }

    @Test
    void everyFileTheBuildCopiesIsInTheRepositoryAndNotIgnored() {
        List<String> sources = new ArrayList<>();
        for (Instruction copy : DOCKERFILE.stage("build").all("COPY")) {
            Options options = Options.of(copy.arguments());
            assertFalse(options.flags().containsKey("from"), copy.toString());
            List<String> words = Arrays.asList(options.rest().split("\\s+"));
            sources.addAll(words.subList(0, words.size() - 1));
        }
        assertTrue(sources.containsAll(List.of("mvnw", "pom.xml", ".mvn/", "config/", "proxy/pom.xml", "proxy/src/main/",
                "bench/pom.xml")), "the reactor's poms and the sources pgwarden.jar is built from: " + sources);

        List<String> ignored = DeployFiles.read(DeployFiles.docker("Dockerfile.dockerignore")).lines()
                .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        assertTrue(ignored.contains("**/target/"), "build outputs stay out of the context: " + ignored);
        for (String source : sources) {
            DeployFiles.assertFileInRepository(DeployFiles.root().resolve(source), "docker/Dockerfile");
            for (String pattern : ignored) {
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern.replaceAll("/$", ""));
                String trimmed = source.replaceAll("/$", "");
                assertFalse(matcher.matches(Path.of(trimmed)), source + " is hidden by .dockerignore's " + pattern);
            }
        }
    }

    @Test
    void runsAsAnUnprivilegedUserWithTheConfigAtItsFixedPath() {
        Stage runtime = DOCKERFILE.last();
        assertTrue(runtime.only("USER").arguments().matches("\\d+:\\d+"),
                "numeric, so Kubernetes' runAsNonRoot can check it: " + runtime.only("USER"));
        assertNotEquals(0L, imageUser(), "not root");
        assertTrue(runtime.all("RUN").stream().anyMatch(run -> run.arguments().contains("--uid " + imageUser())),
                "the user exists in the image");
        assertEquals(DEFAULT_COMMAND, DeployFiles.list(DeployFiles.yaml(runtime.only("CMD").arguments()), "CMD"));
        assertEquals("6432 9930", runtime.only("EXPOSE").arguments());
    }

    @Test
    void jvmTakesItsMemoryFromTheContainerAndExitsWhenOutOfIt() {
        List<Object> entrypoint = DeployFiles.list(DeployFiles.yaml(DOCKERFILE.last().only("ENTRYPOINT").arguments()),
                "ENTRYPOINT (exec form)");
        assertEquals("java", entrypoint.get(0));
        assertTrue(entrypoint.stream().anyMatch(arg -> String.valueOf(arg).matches("-XX:MaxRAMPercentage=\\d+(\\.\\d+)?")),
                "heap sized from the cgroup limit: " + entrypoint);
        assertTrue(entrypoint.contains("-XX:+ExitOnOutOfMemoryError"), entrypoint.toString());
        assertEquals(List.of("-jar", "/opt/pgwarden/pgwarden.jar"), entrypoint.subList(entrypoint.size() - 2, entrypoint.size()));
    }

    @Test
    void healthCheckAsksForReadiness() {
        Options healthcheck = Options.of(DOCKERFILE.last().only("HEALTHCHECK").arguments());
        assertTrue(healthcheck.flags().keySet().containsAll(List.of("interval", "timeout", "start-period", "retries")),
                healthcheck.flags().toString());
        assertTrue(healthcheck.rest().startsWith("CMD "), healthcheck.rest());
        assertEquals(readinessCheck(), DeployFiles.list(DeployFiles.yaml(healthcheck.rest().substring(4)), "HEALTHCHECK CMD"));
    }

    /** The image's health check; compose repeats it. Port 9930 is what the config's http: must use. */
    static List<Object> readinessCheck() {
        return List.of("curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9930/health/ready");
    }
}
