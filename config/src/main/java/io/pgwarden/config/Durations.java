package io.pgwarden.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in the config file: a whole number and a unit, {@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 1h}; or {@code 0}. A bare number other than 0 is refused: {@code 30} could
 * mean seconds or milliseconds, and guessing wrong is a factor of a thousand.
 */
public final class Durations {

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern BARE_NUMBER = Pattern.compile("\\d+");

    private Durations() {
    }

    /** @throws IllegalArgumentException with a message that names the accepted units */
    public static Duration parse(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher matcher = WITH_UNIT.matcher(text);
        if (!matcher.matches()) {
            if (BARE_NUMBER.matcher(text).matches()) {
                throw new IllegalArgumentException(
                        "'" + text + "' has no unit; write e.g. " + text + "s (units: ms, s, m, h)");
            }
            throw new IllegalArgumentException("'" + text
                    + "' is not a duration; write a whole number and a unit: 500ms, 30s, 5m or 1h");
        }
        try {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }
}
