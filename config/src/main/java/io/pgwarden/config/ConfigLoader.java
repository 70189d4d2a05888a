package io.pgwarden.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads the routing file: YAML → {@link ConfigReader} (shape, types, defaults) →
 * {@link ConfigValidator} (rules). Every problem is collected and thrown once, in one
 * {@link ConfigException}, so a user fixes the file in one pass.
 *
 * <p>Scalar values may use {@code ${VAR}} and {@code ${VAR:-default}}; see {@link EnvExpander}.
 */
public final class ConfigLoader {

    private static final String EMPTY_FILE = "the file is empty; it needs at least backends:, databases: and services:";

    private ConfigLoader() {
    }

    /** Reads {@code file} as UTF-8, with {@code ${VAR}} taken from the process environment. */
    public static PgwardenConfig load(Path file) throws ConfigException {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of(new ConfigError("", 0, unreadable(e))));
        }
        return parse(yaml, file.toString(), System::getenv);
    }

    /**
     * @param sourceName names the file in the exception message
     * @param env        answers {@code ${VAR}} references; null means unset
     */
    public static PgwardenConfig parse(String yaml, String sourceName, Function<String, String> env)
            throws ConfigException {
        Diagnostics diagnostics = new Diagnostics();
        Node document = compose(yaml, diagnostics);
        PgwardenConfig config = document == null ? null : read(document, diagnostics, new EnvExpander(env));
        if (diagnostics.hasErrors()) {
            throw new ConfigException(sourceName, diagnostics.errors());
        }
        return config;
    }

    private static PgwardenConfig read(Node document, Diagnostics diagnostics, EnvExpander env) {
        int line = YamlMap.lineOf(document);
        if (document.getTag().equals(Tag.NULL)) {
            diagnostics.error("", 0, EMPTY_FILE);
            return null;
        }
        if (!(document instanceof MappingNode root)) {
            diagnostics.error("", line, "the top level must be a mapping of sections ("
                    + String.join(", ", ConfigReader.ROOT_KEYS) + "), not " + YamlMap.kindOf(document));
            return null;
        }
        if (!root.getTag().equals(Tag.MAP)) {
            diagnostics.error("", line, "YAML tag " + root.getTag() + " is not allowed here");
            return null;
        }
        ConfigReader.Result read = new ConfigReader(diagnostics).read(YamlMap.root(root, diagnostics, env));
        new ConfigValidator(diagnostics).validate(read.config(), read.poolSection());
        return read.config();
    }

    /** The node tree of the single document, or null when YAML itself failed (reported). */
    private static Node compose(String yaml, Diagnostics diagnostics) {
        // compose() builds nodes, never objects; the SafeConstructor keeps that true should anyone call load().
        Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
        try {
            Node document = parser.compose(new StringReader(yaml));
            if (document == null) {
                diagnostics.error("", 0, EMPTY_FILE);
            }
            return document;
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            diagnostics.error("", line, "not valid YAML: " + e.getProblem() + context);
        } catch (YAMLException e) {
            diagnostics.error("", 0, "not valid YAML: " + e.getMessage());
        }
        return null;
    }

    private static String unreadable(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "file not found";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof MalformedInputException) {
            return "not valid UTF-8";
        }
        return "cannot read the file: " + e;
    }
}
