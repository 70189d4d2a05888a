package io.pgwarden.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as written in the config file, PostgreSQL's way: a whole number and a unit, {@code 64kB},
 * {@code 64MB}, {@code 1GB} (powers of 1024), or a bare number of bytes.
 */
public final class ByteSizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|MB|GB)?");

    private ByteSizes() {
    }

    /** @throws IllegalArgumentException with a message that names the accepted units */
    public static long parse(String text) {
        Matcher matcher = SIZE.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write bytes or a whole number and a unit: 64kB, 64MB, 1GB");
        }
        try {
            long amount = Long.parseLong(matcher.group(1));
            String unit = matcher.group(2) == null ? "B" : matcher.group(2);
            int shift = switch (unit) {
                case "kB" -> 10;
                case "MB" -> 20;
                case "GB" -> 30;
                default -> 0;
            };
            if (amount > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("'" + text + "' is too large");
            }
            return amount << shift;
        } catch (NumberFormatException tooLarge) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }
}
