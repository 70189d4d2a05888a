package io.pgwarden.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping being read into the model. Getters answer typed, env-expanded values; anything
 * wrong (wrong type, bad number, duplicate or unknown key) goes to {@link Diagnostics} at the key's
 * path and line, and the getter answers empty, so the caller falls back to a default and reading
 * goes on to find the next problem.
 *
 * <p>Works on SnakeYAML's node tree, never on constructed objects: no tag can make it instantiate
 * a type, and only the standard YAML tags are accepted at all.
 */
final class YamlMap {

    private static final Set<Tag> PLAIN_TAGS = Set.of(
            Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP, Tag.MAP, Tag.SEQ);

    private final String path;
    private final int line;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Diagnostics diagnostics;
    private final EnvExpander env;

    private YamlMap(List<NodeTuple> tuples, String path, int line, Diagnostics diagnostics, EnvExpander env) {
        this.path = path;
        this.line = line;
        this.diagnostics = diagnostics;
        this.env = env;
        for (NodeTuple tuple : tuples) {
            addEntry(tuple);
        }
    }

    /** The top of a document. The caller has checked that it is a mapping. */
    static YamlMap root(MappingNode node, Diagnostics diagnostics, EnvExpander env) {
        return new YamlMap(node.getValue(), "", lineOf(node), diagnostics, env);
    }

    static int lineOf(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    /** "a list", "a mapping" or "a single value", for messages about the wrong shape. */
    static String kindOf(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        return node instanceof SequenceNode ? "a list" : "a single value";
    }

    private void addEntry(NodeTuple tuple) {
        Node keyNode = tuple.getKeyNode();
        int keyLine = lineOf(keyNode);
        if (keyNode.getTag().equals(Tag.MERGE)) {
            diagnostics.error(KeyPath.child(path, "<<"), keyLine,
                    "YAML merge keys are not supported; for settings shared by databases use the pool: section");
            return;
        }
        if (!(keyNode instanceof ScalarNode scalarKey)) {
            diagnostics.error(path, keyLine, "keys must be plain names, not " + kindOf(keyNode));
            return;
        }
        String key = scalarKey.getValue();
        String keyPath = KeyPath.child(path, key);
        NodeTuple first = entries.putIfAbsent(key, tuple);
        if (first != null) {
            diagnostics.error(keyPath, keyLine, "duplicate key (first on line " + lineOf(first.getKeyNode()) + ")");
            return;
        }
        diagnostics.recordLine(keyPath, keyLine);
    }

    String path() {
        return path;
    }

    /** The line of this mapping's key: where a missing key is reported. */
    int line() {
        return line;
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    String pathOf(String key) {
        return KeyPath.child(path, key);
    }

    /** Each key that is not one of {@code allowed} is an error: a misspelt key must not silently fall back to a default. */
    void rejectUnknownKeys(Collection<String> allowed) {
        entries.forEach((key, tuple) -> {
            if (!allowed.contains(key)) {
                diagnostics.error(pathOf(key), lineOf(tuple.getKeyNode()),
                        "unknown key; expected one of: " + String.join(", ", allowed));
            }
        });
    }

    /** A nested mapping. A key with no value ({@code pool:}) reads as an empty mapping. */
    Optional<YamlMap> map(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? Optional.empty() : asMap(tuple, pathOf(key));
    }

    /** For sections whose keys are names (backends, databases, services): each name and its mapping, in file order. */
    Map<String, YamlMap> namedMaps() {
        Map<String, YamlMap> named = new LinkedHashMap<>();
        entries.forEach((key, tuple) -> asMap(tuple, pathOf(key)).ifPresent(map -> named.put(key, map)));
        return named;
    }

    private Optional<YamlMap> asMap(NodeTuple tuple, String mapPath) {
        Node node = tuple.getValueNode();
        int keyLine = lineOf(tuple.getKeyNode());
        if (!hasPlainTag(node, mapPath)) {
            return Optional.empty();
        }
        if (node instanceof MappingNode mapping) {
            return Optional.of(new YamlMap(mapping.getValue(), mapPath, keyLine, diagnostics, env));
        }
        if (isNull(node)) {
            return Optional.of(new YamlMap(List.of(), mapPath, keyLine, diagnostics, env));
        }
        diagnostics.error(mapPath, lineOf(node), "must be a mapping (key: value), not " + kindOf(node));
        return Optional.empty();
    }

    /** The env-expanded text of a single value. A YAML null ({@code key:} with nothing after it) reads as "". */
    Optional<String> string(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? Optional.empty() : text(tuple.getValueNode(), pathOf(key));
    }

    String string(String key, String fallback) {
        return string(key).orElse(fallback);
    }

    /** A value the file must give, and not as "". Answers "" when it does not (already reported). */
    String requiredString(String key) {
        if (!has(key)) {
            diagnostics.error(pathOf(key), line, "is required");
            return "";
        }
        return nonEmptyString(key, "");
    }

    /** Like {@link #string(String, String)}, but an explicit empty value is an error. */
    String nonEmptyString(String key, String fallback) {
        Optional<String> value = string(key);
        if (value.isPresent() && value.get().isEmpty()) {
            diagnostics.error(pathOf(key), "must not be empty");
        }
        return value.orElse(fallback);
    }

    Optional<Integer> integer(String key) {
        return value(key, text -> {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number, not '" + text + "'");
            }
        });
    }

    Optional<Duration> duration(String key) {
        return value(key, Durations::parse);
    }

    Optional<Boolean> bool(String key) {
        return value(key, text -> {
            if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(text);
            }
            throw new IllegalArgumentException("must be true or false, not '" + text + "'");
        });
    }

    /**
     * A single value converted by {@code parse}, which throws {@link IllegalArgumentException} with
     * a message to report at this key when the text will not do.
     */
    <T> Optional<T> value(String key, Function<String, T> parse) {
        return string(key).flatMap(text -> {
            try {
                return Optional.of(parse.apply(text));
            } catch (IllegalArgumentException e) {
                diagnostics.error(pathOf(key), lineOf(entries.get(key).getValueNode()), e.getMessage());
                return Optional.empty();
            }
        });
    }

    /**
     * A list of single values; {@code key:} with nothing after it reads as an empty list. An element
     * that is not a usable non-empty value is reported and kept as "", so that positions still match
     * the {@code key[i]} paths the validator reports at.
     */
    /** Whether {@code key} holds a list (rather than a single value). */
    boolean isList(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple != null && tuple.getValueNode() instanceof SequenceNode;
    }

    /** A list, or a single value read as a list of one. */
    Optional<List<String>> stringOrList(String key) {
        NodeTuple tuple = entries.get(key);
        if (tuple != null && tuple.getValueNode() instanceof ScalarNode && !isNull(tuple.getValueNode())) {
            return string(key).map(List::of);
        }
        return stringList(key);
    }

    Optional<List<String>> stringList(String key) {
        NodeTuple tuple = entries.get(key);
        if (tuple == null) {
            return Optional.empty();
        }
        String listPath = pathOf(key);
        Node node = tuple.getValueNode();
        if (!hasPlainTag(node, listPath)) {
            return Optional.empty();
        }
        if (isNull(node)) {
            return Optional.of(List.of());
        }
        if (!(node instanceof SequenceNode sequence)) {
            diagnostics.error(listPath, lineOf(node), "must be a list, e.g. [a, b], not " + kindOf(node));
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        for (Node element : sequence.getValue()) {
            String elementPath = KeyPath.index(listPath, values.size());
            diagnostics.recordLine(elementPath, lineOf(element));
            Optional<String> value = text(element, elementPath);
            if (value.isPresent() && value.get().isEmpty()) {
                diagnostics.error(elementPath, lineOf(element), "must not be empty");
            }
            values.add(value.orElse(""));
        }
        return Optional.of(values);
    }

    private Optional<String> text(Node node, String valuePath) {
        if (!hasPlainTag(node, valuePath)) {
            return Optional.empty();
        }
        if (!(node instanceof ScalarNode scalar)) {
            diagnostics.error(valuePath, lineOf(node), "must be a single value, not " + kindOf(node));
            return Optional.empty();
        }
        if (isNull(scalar)) {
            return Optional.of("");
        }
        List<String> problems = new ArrayList<>();
        String expanded = env.expand(scalar.getValue(), problems::add);
        problems.forEach(problem -> diagnostics.error(valuePath, lineOf(node), problem));
        return problems.isEmpty() ? Optional.of(expanded) : Optional.empty();
    }

    private boolean hasPlainTag(Node node, String valuePath) {
        if (PLAIN_TAGS.contains(node.getTag())) {
            return true;
        }
        diagnostics.error(valuePath, lineOf(node), "YAML tag " + node.getTag() + " is not allowed here");
        return false;
    }

    private static boolean isNull(Node node) {
        return node.getTag().equals(Tag.NULL);
    }
}
