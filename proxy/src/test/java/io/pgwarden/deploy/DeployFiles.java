package io.pgwarden.deploy;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment files under docker/ (Dockerfile, compose, Kubernetes), read as the tests of this
 * package need them, and the facts they must agree on.
 */
final class DeployFiles {

    /** Where the image reads its config; compose and Kubernetes mount it there. */
    static final String CONFIG_PATH = "/etc/pgwarden/pgwarden.yaml";

    private DeployFiles() {
    }

    /** The checkout: the proxy module's parent under Maven, or the working directory in an IDE. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker/Dockerfile")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new AssertionError("no docker/Dockerfile above " + Path.of("").toAbsolutePath());
    }

    static Path docker(String relative) {
        return root().resolve("docker").resolve(relative);
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One YAML document, with SnakeYAML's safe constructor (merge keys {@code <<} resolved). */
    static Object yaml(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    static Map<String, Object> yamlMap(Path file) {
        return map(yaml(read(file)), file.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        assertInstanceOf(Map.class, value, what + " is not a mapping: " + value);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        assertInstanceOf(List.class, value, what + " is not a list: " + value);
        return (List<Object>) value;
    }

    static Map<String, Object> map(Map<String, Object> parent, String key, String what) {
        return map(parent.get(key), what + "." + key);
    }

    static void assertFileInRepository(Path file, String usedBy) {
        Path normalized = file.normalize();
        assertTrue(normalized.startsWith(root()), usedBy + " reaches outside the checkout: " + file);
        if (!Files.exists(normalized)) {
            fail(usedBy + " uses " + root().relativize(normalized) + ", which is not in the repository");
        }
    }
}
