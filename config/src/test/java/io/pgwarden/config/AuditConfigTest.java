package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.MINIMAL;
import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code audit.interval}: the periodic isolation audit of {@code run}, off unless set. */
class AuditConfigTest {

    @Test
    void offWithoutTheSectionOrAtZero() throws ConfigException {
        assertEquals(AuditConfig.OFF, parse(MINIMAL).audit());
        assertFalse(parse(MINIMAL + "audit: {interval: 0}\n").audit().enabled());
        assertFalse(parse(MINIMAL + "audit:\n").audit().enabled());
    }

    @Test
    void intervalParsesAndSurvivesTheWithers() throws ConfigException {
        PgwardenConfig config = parse(MINIMAL + "audit: {interval: 15m}\n");

        assertEquals(new AuditConfig(Duration.ofMinutes(15)), config.audit());
        assertTrue(config.audit().enabled());
        assertEquals(config.audit(), config.withListen(config.listen()).withBackends(config.backends())
                .withHttp(config.http()).audit());
    }

    @Test
    void tooShortOrUnknownKeysAreErrors() {
        assertEquals(List.of("audit.interval (line 12): must be 0 (no periodic audit) or at least 10s"),
                errorsOf(MINIMAL + "audit: {interval: 5s}\n"));
        assertEquals(1, errorsOf(MINIMAL + "audit: {every: 1h}\n").size());
    }
}
