package io.pgwarden.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A parser of the Prometheus text exposition format 0.0.4 for tests: {@code # HELP} and
 * {@code # TYPE} lines and samples with escaped label values, so assertions are on parsed
 * samples, not on regexes over the text. Throws on any line it cannot read.
 */
public final class PrometheusText {

    /** One sample line: the series name (with any {@code _bucket}/{@code _total} suffix), its labels, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, String> help = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {
    }

    public static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            try {
                parsed.parseLine(line);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return parsed;
    }

    private void parseLine(String line) {
        if (line.isBlank()) {
            return;
        }
        if (line.startsWith("# TYPE ")) {
            String[] parts = line.substring(7).split(" ");
            if (parts.length != 2) {
                throw new IllegalArgumentException("TYPE needs a name and a type");
            }
            if (types.put(parts[0], parts[1]) != null) {
                throw new IllegalArgumentException("second TYPE for " + parts[0]);
            }
            return;
        }
        if (line.startsWith("# HELP ")) {
            String rest = line.substring(7);
            int space = rest.indexOf(' ');
            help.put(space < 0 ? rest : rest.substring(0, space), space < 0 ? "" : rest.substring(space + 1));
            return;
        }
        if (line.startsWith("#")) {
            return;
        }
        samples.add(parseSample(line));
    }

    private static Sample parseSample(String line) {
        int i = 0;
        while (i < line.length() && isNameChar(line.charAt(i), i == 0)) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("no metric name");
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int nameStart = i;
                while (isNameChar(line.charAt(i), i == nameStart)) {
                    i++;
                }
                String label = line.substring(nameStart, i);
                expect(line, i++, '=');
                expect(line, i++, '"');
                StringBuilder value = new StringBuilder();
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char escaped = line.charAt(i++);
                        value.append(switch (escaped) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("bad escape \\" + escaped);
                        });
                    } else {
                        value.append(c);
                    }
                }
                i++;
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        expect(line, i++, ' ');
        String[] valueAndTime = line.substring(i).split(" ");
        return new Sample(name, labels, parseValue(valueAndTime[0]));
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
    }

    private static void expect(String line, int at, char expected) {
        if (at >= line.length() || line.charAt(at) != expected) {
            throw new IllegalArgumentException("expected '" + expected + "' at column " + (at + 1));
        }
    }

    /** The {@code # TYPE} of a metric family (counter, gauge, histogram, summary, untyped). */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    public Optional<String> help(String family) {
        return Optional.ofNullable(help.get(family));
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Samples of one series name, e.g. {@code pgwarden_transactions_total}. */
    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The value of the one sample with this name and exactly these labels. */
    public double value(String name, Map<String, String> labels) {
        List<Sample> matching = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(new TreeMap<>(labels))).toList();
        if (matching.size() != 1) {
            throw new AssertionError(matching.size() + " samples " + name + labels + "; the series of " + name + " are "
                    + samples(name).stream().map(Sample::labels).toList());
        }
        return matching.get(0).value();
    }

    /** Like {@link #value}, but empty when no such series exists. */
    public Optional<Double> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(new TreeMap<>(labels)))
                .map(Sample::value).findFirst();
    }
}
