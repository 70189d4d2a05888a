package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.DatabaseObjects;
import io.pgwarden.audit.AuditSnapshot.SchemaGrant;
import io.pgwarden.audit.AuditTarget.ServiceSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Within a physical database that several services share as schemas (schema routing): a privilege
 * on one service's schema held by PUBLIC or by another service's role. One finding per schema and
 * grantee, whatever privileges it holds; the fix revokes them all. Grants to roles pgwarden does not
 * use are left to the CONNECT checks: without CONNECT to the database they reach nothing.
 */
final class SchemaFindings {

    private SchemaFindings() {
    }

    static List<Finding> of(AuditTarget target, List<DatabaseObjects> objects) {
        List<Finding> findings = new ArrayList<>();
        for (DatabaseObjects inDatabase : objects) {
            String database = inDatabase.database();
            List<ServiceSchema> schemas = target.schemasIn(database);
            Map<String, ServiceSchema> bySchema = new LinkedHashMap<>();
            schemas.forEach(schema -> bySchema.put(schema.schema(), schema));
            Map<List<String>, Set<String>> privileges = new LinkedHashMap<>(); // [schema, grantee or null] -> privileges
            for (SchemaGrant grant : inDatabase.schemaGrants()) {
                ServiceSchema owner = bySchema.get(grant.schema());
                if (owner == null || grant.grantee() != null && !isAnotherService(grant.grantee(), owner, schemas)) {
                    continue;
                }
                privileges.computeIfAbsent(Arrays.asList(grant.schema(), grant.grantee()), k -> new LinkedHashSet<>())
                        .add(grant.privilege());
            }
            privileges.forEach((key, held) -> {
                String schema = key.get(0);
                String grantee = key.get(1);
                String who = grantee == null ? "PUBLIC" : "role " + grantee;
                findings.add(new Finding(target.backend(), Severity.HIGH, FindingKind.SCHEMA_GRANT, database,
                        who + " has " + String.join(", ", held) + " on schema " + schema + " in " + database
                                + " (" + bySchema.get(schema).user() + "'s)",
                        List.of("REVOKE ALL ON SCHEMA " + Sql.identifier(schema) + " FROM "
                                + (grantee == null ? "PUBLIC" : Sql.identifier(grantee))), database));
            });
        }
        return findings;
    }

    private static boolean isAnotherService(String role, ServiceSchema owner, List<ServiceSchema> schemas) {
        return !role.equals(owner.user()) && schemas.stream().anyMatch(schema -> schema.user().equals(role));
    }
}
