package io.pgwarden.frontend;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which transaction-mode logins can be answered without a server, decided without a socket. */
class LoginAnswersTest {

    private static final DatabaseConfig ORDERS =
            new DatabaseConfig("orders", "main", "orders_db", "owner", "owner-pw", PoolSettings.DEFAULTS);
    private static final long NOW = 1_000_000_000L;

    private final LoginAnswers answers = new LoginAnswers();

    private static Map<String, String> settings(String... namesAndValues) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            settings.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return settings;
    }

    private static final Map<String, String> PGJDBC = settings("client_encoding", "UTF8", "DateStyle", "ISO",
            "TimeZone", "UTC", "extra_float_digits", "2", "application_name", "PostgreSQL JDBC Driver");
    private static final Map<String, String> ANSWER = settings("server_version", "17.2", "client_encoding", "UTF8",
            "DateStyle", "ISO, MDY", "TimeZone", "UTC", "application_name", "PostgreSQL JDBC Driver");

    @Test
    void settingsPostgresAnsweredAreAnsweredAgainAsItDid() {
        assertEquals(Optional.empty(), answers.answer(ORDERS, PGJDBC, NOW), "never answered: a server is asked");
        answers.record(ORDERS, PGJDBC, ANSWER, NOW);
        assertEquals(Optional.of(ANSWER), answers.answer(ORDERS, new LinkedHashMap<>(PGJDBC), NOW + 1));
    }

    @Test
    void aPrintableApplicationNameIsTheClientsOwnInTheAnswer() {
        answers.record(ORDERS, PGJDBC, ANSWER, NOW);
        Map<String, String> billing = new LinkedHashMap<>(PGJDBC);
        billing.put("application_name", "billing 2");
        Map<String, String> expected = new LinkedHashMap<>(ANSWER);
        expected.put("application_name", "billing 2");
        assertEquals(Optional.of(expected), answers.answer(ORDERS, billing, NOW));

        Map<String, String> accented = new LinkedHashMap<>(PGJDBC);
        accented.put("application_name", "caf\u00e9"); // PostgreSQL rewrites it: only it can say how
        assertTrue(answers.answer(ORDERS, accented, NOW).isEmpty());
    }

    @Test
    void anyOtherDifferenceAsksPostgresAgain() {
        answers.record(ORDERS, PGJDBC, ANSWER, NOW);
        Map<String, String> otherZone = new LinkedHashMap<>(PGJDBC);
        otherZone.put("TimeZone", "Europe/Berlin");
        assertTrue(answers.answer(ORDERS, otherZone, NOW).isEmpty(), "another value");
        Map<String, String> more = new LinkedHashMap<>(PGJDBC);
        more.put("work_mem", "banana");
        assertTrue(answers.answer(ORDERS, more, NOW).isEmpty(), "another setting");
        Map<String, String> fewer = new LinkedHashMap<>(PGJDBC);
        fewer.remove("application_name");
        assertTrue(answers.answer(ORDERS, fewer, NOW).isEmpty(), "without application_name its default is PostgreSQL's to say");
        Map<String, String> reordered = settings("DateStyle", "ISO", "datestyle", "SQL");
        answers.record(ORDERS, reordered, ANSWER, NOW);
        assertTrue(answers.answer(ORDERS, settings("datestyle", "SQL", "DateStyle", "ISO"), NOW).isEmpty(),
                "applied in another order: the last one wins");
        DatabaseConfig moved = new DatabaseConfig("orders", "other", "orders_db", "owner", "owner-pw", PoolSettings.DEFAULTS);
        assertTrue(answers.answer(moved, PGJDBC, NOW).isEmpty(), "the database's config changed");
    }

    @Test
    void anAnswerIsForgottenAfterAMinute() {
        answers.record(ORDERS, PGJDBC, ANSWER, NOW);
        assertTrue(answers.answer(ORDERS, PGJDBC, NOW + LoginAnswers.MAX_AGE_NANOS).isPresent());
        assertTrue(answers.answer(ORDERS, PGJDBC, NOW + LoginAnswers.MAX_AGE_NANOS + 1).isEmpty());
    }
}
