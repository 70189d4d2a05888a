package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void parsesEachUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    }

    @Test
    void zeroNeedsNoUnit() {
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
    }

    @Test
    void bareNumberIsRefusedWithTheUnits() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("30"));
        assertEquals("'30' has no unit; write e.g. 30s (units: ms, s, m, h)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "1.5s", "30 s", "-5s", "5d", "30S", "1h30m"})
    void refusesAnythingElse(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("500ms, 30s, 5m or 1h"), e.getMessage());
    }

    @Test
    void refusesAmountsTooLargeForADuration() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999999h"));
        assertEquals("'99999999999999999999h' is too large", e.getMessage());
    }
}
