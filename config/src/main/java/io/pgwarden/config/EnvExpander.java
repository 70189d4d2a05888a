package io.pgwarden.config;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Expands environment variables in scalar values, so secrets stay out of the file.
 * <ul>
 *   <li>{@code ${NAME}}: the value of NAME. Unset is an error; set but empty gives "".</li>
 *   <li>{@code ${NAME:-default}}: the value of NAME, or {@code default} when NAME is unset or empty
 *       (as in sh). The default is literal text: no nesting, and it cannot contain <code>}</code>.</li>
 *   <li><code>$${</code> is a literal <code>${</code>, for the rare value that must contain one.</li>
 *   <li>Any other {@code $} is kept as is: SCRAM verifiers and md5 hashes contain {@code $}.</li>
 * </ul>
 * Expansion happens once: a variable's value is not expanded again. Keys are never expanded.
 */
final class EnvExpander {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Function<String, String> env;

    EnvExpander(Function<String, String> env) {
        this.env = env;
    }

    /**
     * @param problems told about each unset variable or malformed reference; the reference then
     *                 expands to "" so the rest of the value can still be checked
     */
    String expand(String text, Consumer<String> problems) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    problems.accept("unterminated ${ (no closing })");
                    return out.toString();
                }
                out.append(resolve(text.substring(i + 2, close), problems));
                i = close + 1;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return out.toString();
    }

    private String resolve(String reference, Consumer<String> problems) {
        int separator = reference.indexOf(":-");
        String name = separator < 0 ? reference : reference.substring(0, separator);
        if (!NAME.matcher(name).matches()) {
            problems.accept("invalid variable reference ${" + reference + "}; write ${NAME} or ${NAME:-default}");
            return "";
        }
        String value = env.apply(name);
        if (separator >= 0) {
            return value == null || value.isEmpty() ? reference.substring(separator + 2) : value;
        }
        if (value == null) {
            problems.accept("environment variable " + name + " is not set");
            return "";
        }
        return value;
    }
}
