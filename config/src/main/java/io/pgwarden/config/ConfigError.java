package io.pgwarden.config;

/**
 * One problem in a config file, e.g. {@code databases.orders.pool_size (line 14): must be between 1 and 10000}.
 *
 * @param path    dotted keys to the value ({@code databases.orders.pool_size}, {@code services.x.databases[1]});
 *                empty when the problem is the file as a whole
 * @param line    1-based line in the file, or 0 when there is no line to point at
 * @param message what is wrong, phrased to read after the path
 */
public record ConfigError(String path, int line, String message) {

    @Override
    public String toString() {
        String where = line > 0 ? "line " + line : "";
        if (path.isEmpty()) {
            return where.isEmpty() ? message : where + ": " + message;
        }
        return where.isEmpty() ? path + ": " + message : path + " (" + where + "): " + message;
    }
}
