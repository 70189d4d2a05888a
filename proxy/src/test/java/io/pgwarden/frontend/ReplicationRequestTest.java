package io.pgwarden.frontend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The replication startup parameter, spelled every way PostgreSQL's parse_bool accepts. */
class ReplicationRequestTest {

    @Test
    void databaseIsLogicalReplication() {
        assertEquals(ReplicationRequest.LOGICAL, ReplicationRequest.of("database"));
    }

    @Test
    void absentOrFalseIsAnOrdinarySession() {
        assertEquals(ReplicationRequest.NONE, ReplicationRequest.of(null));
        for (String no : new String[] {"false", "FALSE", "f", "fal", "no", "n", "off", "of", "0"}) {
            assertEquals(ReplicationRequest.NONE, ReplicationRequest.of(no), no);
        }
    }

    @Test
    void trueInAnySpellingIsPhysicalReplication() {
        for (String yes : new String[] {"true", "True", "t", "tr", "yes", "y", "on", "ON", "1"}) {
            assertEquals(ReplicationRequest.PHYSICAL, ReplicationRequest.of(yes), yes);
        }
    }

    @Test
    void anythingElseIsRefusedInPostgresWords() {
        for (String bad : new String[] {"", "o", "Database", "2", "yess", "logical"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplicationRequest.of(bad), bad);
            assertEquals("invalid value for parameter \"replication\": \"" + bad + "\"", e.getMessage());
        }
    }
}
