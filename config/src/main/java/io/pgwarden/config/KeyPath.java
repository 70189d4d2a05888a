package io.pgwarden.config;

/**
 * Builds the dotted paths errors are reported at: {@code databases.orders.pool_size},
 * {@code services.reporting-service.databases[1]}. A key that would make the path ambiguous or
 * invisible (empty, a dot, spaces, NUL) is quoted: {@code databases."my.db"}, {@code services.""}.
 */
final class KeyPath {

    private KeyPath() {
    }

    static String child(String parent, String key) {
        String segment = isPlain(key) ? key : quote(key);
        return parent.isEmpty() ? segment : parent + "." + segment;
    }

    static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    private static boolean isPlain(String key) {
        return !key.isEmpty() && key.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-');
    }

    private static String quote(String key) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : key.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c == 0) {
                quoted.append("\\0");
            } else if (Character.isISOControl(c)) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
