package io.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuditOutputTest {

    private static final Finding PUBLICATION = new Finding("main", Severity.MEDIUM, FindingKind.PUBLICATION, "orders_db",
            "publication \"p\" in orders_db publishes all tables", List.of("DROP PUBLICATION \"\"\"p\"\"\""), "orders_db");
    private static final Finding SUPERUSER = new Finding("main", Severity.HIGH, FindingKind.SUPERUSER, null,
            "role root2 is a superuser and can log in", List.of("ALTER ROLE \"root2\" NOSUPERUSER"), null);

    @Test
    void aTableWithOneFindingALineWorstFirstThenASummary() {
        AuditReport report = new AuditReport(List.of("main", "spare"), List.of(PUBLICATION, SUPERUSER));

        assertEquals("""
                SEVERITY  BACKEND  KIND         WHAT                                               WHY                                                                                FIX
                high      main     superuser    role root2 is a superuser and can log in           a superuser reads and changes every database of the instance                       ALTER ROLE "root2" NOSUPERUSER;
                medium    main     publication  publication "p" in orders_db publishes all tables  a publication lets a subscriber copy this database's tables out, outside pgwarden  in orders_db: DROP PUBLICATION \"""p\""";
                2 findings on 2 backends: 1 high, 1 medium
                """, AuditOutput.table(report));
        assertTrue(report.hasHigh());
    }

    @Test
    void noFindings() {
        AuditReport report = new AuditReport(List.of("main"), List.of());

        assertEquals("no findings on 1 backend\n", AuditOutput.table(report));
        assertFalse(report.hasHigh());
        assertFalse(new AuditReport(List.of("main"), List.of(PUBLICATION)).hasHigh());
    }

    @Test
    void jsonEscapesEveryStringAndCountsEverySeverity() {
        Finding comment = new Finding("main", Severity.LOW, FindingKind.EXTENSION, "a\\b", "x", List.of("-- note"), null);

        assertEquals("""
                {"backends": ["main"],
                 "findings": [
                  {"severity": "medium", "backend": "main", "kind": "publication", "database": "orders_db", \
                "what": "publication \\"p\\" in orders_db publishes all tables", \
                "why": "a publication lets a subscriber copy this database's tables out, outside pgwarden", \
                "fix": ["DROP PUBLICATION \\"\\"\\"p\\"\\"\\""], "fix_in": "orders_db"},
                  {"severity": "low", "backend": "main", "kind": "extension", "database": "a\\\\b", "what": "x", \
                "why": "dblink / postgres_fdw can open connections from this database to any other", \
                "fix": ["-- note"], "fix_in": null}
                 ],
                 "counts": {"high": 0, "medium": 1, "low": 1}}
                """, AuditOutput.json(new AuditReport(List.of("main"), List.of(comment, PUBLICATION))));
    }

    @Test
    void fixesEndWithASemicolonAndSayWhereToRun() {
        Finding twoStatements = new Finding("main", Severity.HIGH, FindingKind.ROLE_MISSING, "d", "w",
                List.of("CREATE ROLE \"r\" LOGIN", "-- then run pgwarden provision"), null);

        assertEquals("CREATE ROLE \"r\" LOGIN; -- then run pgwarden provision", AuditOutput.fixText(twoStatements));
        assertEquals("in orders_db: DROP PUBLICATION \"\"\"p\"\"\";", AuditOutput.fixText(PUBLICATION));
    }

    @Test
    void identifiersAreAlwaysQuotedAndLiteralsEscaped() {
        assertEquals("\"orders_db\"", Sql.identifier("orders_db"));
        assertEquals("\"Select\"", Sql.identifier("Select"));
        assertEquals("\"we\"\"ird; DROP TABLE x\"", Sql.identifier("we\"ird; DROP TABLE x"));
        assertEquals("'it''s'", Sql.literal("it's"));
    }
}
