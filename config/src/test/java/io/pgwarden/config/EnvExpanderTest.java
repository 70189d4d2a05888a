package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvExpanderTest {

    private final List<String> problems = new ArrayList<>();

    private String expand(String text, Map<String, String> env) {
        return new EnvExpander(env::get).expand(text, problems::add);
    }

    @Test
    void textWithoutReferencesIsUntouched() {
        assertEquals("plain", expand("plain", Map.of()));
        assertEquals(List.of(), problems);
    }

    @Test
    void expandsASetVariable() {
        assertEquals("s3cret", expand("${DB_PASSWORD}", Map.of("DB_PASSWORD", "s3cret")));
    }

    @Test
    void defaultIsUsedWhenUnsetOrEmpty() {
        assertEquals("54329", expand("${PORT:-54329}", Map.of()));
        assertEquals("54329", expand("${PORT:-54329}", Map.of("PORT", "")));
        assertEquals("6000", expand("${PORT:-54329}", Map.of("PORT", "6000")));
        assertEquals("", expand("${PORT:-}", Map.of()));
        assertEquals(List.of(), problems);
    }

    @Test
    void unsetVariableWithoutDefaultIsAProblem() {
        assertEquals("", expand("${PGWARDEN_ADMIN_PASSWORD}", Map.of()));
        assertEquals(List.of("environment variable PGWARDEN_ADMIN_PASSWORD is not set"), problems);
    }

    @Test
    void setButEmptyVariableIsNotAProblem() {
        assertEquals("", expand("${EMPTY}", Map.of("EMPTY", "")));
        assertEquals(List.of(), problems);
    }

    @Test
    void expandsInsideALongerString() {
        String url = expand("postgres://${DB_USER}:${DB_PASS:-none}@${DB_HOST}/app",
                Map.of("DB_USER", "app", "DB_HOST", "db.internal"));
        assertEquals("postgres://app:none@db.internal/app", url);
    }

    @Test
    void reportsEveryUnsetVariableInOneValue() {
        expand("${A}-${B}", Map.of());
        assertEquals(List.of("environment variable A is not set", "environment variable B is not set"), problems);
    }

    @Test
    void dollarWithoutBraceStaysLiteral() {
        String verifier = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy";
        assertEquals(verifier, expand(verifier, Map.of()));
        assertEquals("cost: 5$", expand("cost: 5$", Map.of()));
    }

    @Test
    void doubleDollarEscapesAReference() {
        assertEquals("${HOME} stays", expand("$${HOME} stays", Map.of("HOME", "/root")));
    }

    @Test
    void valuesAreNotExpandedAgain() {
        assertEquals("${B}", expand("${A}", Map.of("A", "${B}", "B", "no")));
    }

    @Test
    void malformedReferencesAreProblems() {
        expand("${UNTERMINATED", Map.of());
        expand("${not a name}", Map.of());
        assertEquals(List.of(
                "unterminated ${ (no closing })",
                "invalid variable reference ${not a name}; write ${NAME} or ${NAME:-default}"), problems);
    }
}
