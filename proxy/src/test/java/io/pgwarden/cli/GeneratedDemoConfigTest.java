package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratedDemoConfigTest {

    @Test
    void thirtyFiveServicesEachGrantedItsOwnDatabaseOnTheEmbeddedBackend() throws Exception {
        PgwardenConfig config = GeneratedDemoConfig.load(35, Map.of("PGWARDEN_DEMO_PG_PORT", "5433")::get);

        assertEquals(35, config.databases().size());
        assertEquals(35, config.services().size());
        assertTrue(config.backends().get("main").embedded());
        assertEquals(5433, config.backends().get("main").port());
        for (int i = 1; i <= 35; i++) {
            String app = String.format("app%02d", i);
            DatabaseConfig database = config.databases().get(app);
            assertEquals(app + "_db", database.dbname());
            assertEquals(app + "_owner", database.user());
            ServiceConfig service = config.services().get(app + "-service");
            assertEquals(List.of(app), service.databases(), "granted its own database only");
            assertEquals(app + "-pass", service.password());
        }
    }

    @Test
    void namesArePaddedToTheWidestSoTheySort() {
        assertEquals("app01", GeneratedDemoConfig.name(1, 5));
        assertEquals("app001", GeneratedDemoConfig.name(1, 120));
        assertEquals("app120", GeneratedDemoConfig.name(120, 120));
    }

    @Test
    void theDefaultPortsAreTheDemosAndTheCountIsBounded() throws Exception {
        PgwardenConfig config = GeneratedDemoConfig.load(1, name -> null);
        assertEquals(54329, config.backends().get("main").port());
        assertEquals(6432, config.listen().port());

        assertThrows(IllegalArgumentException.class, () -> GeneratedDemoConfig.yaml(0));
        assertThrows(IllegalArgumentException.class, () -> GeneratedDemoConfig.yaml(GeneratedDemoConfig.MAX_DATABASES + 1));
    }
}
