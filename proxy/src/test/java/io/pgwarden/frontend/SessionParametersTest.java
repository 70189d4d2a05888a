package io.pgwarden.frontend;

import io.pgwarden.protocol.frontend.StartupMessage;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SessionParametersTest {

    @Test
    void startupParametersThatAreNotSettingsAreLeftOut() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "u");
        params.put("database", "d");
        params.put("application_name", "billing");
        params.put("_pq_.something", "x");
        params.put("DateStyle", "ISO, MDY");
        params.put("options", "-c statement_timeout=5s");
        assertEquals(Map.of("application_name", "billing", "DateStyle", "ISO, MDY", "statement_timeout", "5s"),
                SessionParameters.settings(new StartupMessage(3, 0, params)));
    }

    @Test
    void aSchemaRoutedDatabaseGivesItsSearchPathToClientsThatNameNone() {
        assertEquals(Map.of("search_path", "\"Orders-2\"", "application_name", "billing"),
                SessionParameters.settings(startup("application_name", "billing"), "\"Orders-2\""));
        assertEquals(Map.of("application_name", "billing"), SessionParameters.settings(startup("application_name", "billing"), ""));
    }

    @Test
    void aClientsOwnSearchPathWinsHoweverItIsSent() {
        assertEquals(Map.of("search_path", "audit"), SessionParameters.settings(startup("search_path", "audit"), "orders"));
        assertEquals(Map.of("search_path", "audit"),
                SessionParameters.settings(startup("options", "-c search_path=audit"), "orders"));
        assertEquals(Map.of("Search_Path", "audit"), SessionParameters.settings(startup("Search_Path", "audit"), "orders"));
    }

    private static StartupMessage startup(String name, String value) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "u");
        params.put("database", "d");
        params.put(name, value);
        return new StartupMessage(3, 0, params);
    }

    @Test
    void optionsAreSplitAsPostgresSplitsThem() {
        assertEquals(Map.of("search_path", "a b", "work_mem", "4MB", "geqo", "off", "lock_timeout", "1s"),
                SessionParameters.parseOptions("  -c search_path=a\\ b   -cwork_mem=4MB --geqo=off --lock-timeout=1s "));
    }

    @Test
    void anOptionPostgresWouldRefuseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SessionParameters.parseOptions("-B 100"));
        assertThrows(IllegalArgumentException.class, () -> SessionParameters.parseOptions("-c"));
        assertThrows(IllegalArgumentException.class, () -> SessionParameters.parseOptions("-c novalue"));
    }

    @Test
    void settingsBecomeOneSetConfigStatementWithEscapedLiterals() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("application_name", "o'brien\\app");
        settings.put("search_path", "\"$user\", public");
        assertEquals("SELECT pg_catalog.set_config(E'application_name', E'o''brien\\\\app', false), "
                        + "pg_catalog.set_config(E'search_path', E'\"$user\", public', false)",
                SessionParameters.applyStatement(settings));
    }
}
