package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.DatabaseObjects;
import io.pgwarden.audit.AuditSnapshot.ForeignServer;
import io.pgwarden.audit.AuditSnapshot.Publication;
import io.pgwarden.audit.AuditSnapshot.Slot;
import io.pgwarden.audit.AuditSnapshot.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Objects that carry data from one service's database into another: foreign servers and the
 * extensions that make them, publications, subscriptions, logical replication slots. Each fix runs in the database that holds
 * the object.
 */
final class SharedObjectFindings {

    private SharedObjectFindings() {
    }

    static List<Finding> of(AuditTarget target, AuditSnapshot snapshot) {
        List<Finding> findings = new ArrayList<>();
        Set<String> services = target.databaseNames();
        for (DatabaseObjects objects : snapshot.objects()) {
            String database = objects.database();
            for (ForeignServer server : objects.foreignServers()) {
                String points = server.options().get("dbname");
                if (points != null && services.contains(points) && !points.equals(database)) {
                    findings.add(new Finding(target.backend(), Severity.HIGH, FindingKind.FOREIGN_SERVER, database,
                            "foreign server " + server.name() + " (" + server.wrapper() + ") in " + database
                                    + " points at " + points,
                            List.of("DROP SERVER " + Sql.identifier(server.name()) + " CASCADE"), database));
                }
            }
            for (String extension : objects.extensions()) {
                findings.add(new Finding(target.backend(), extension.equals("dblink") ? Severity.MEDIUM : Severity.LOW,
                        FindingKind.EXTENSION, database, "extension " + extension + " is installed in " + database,
                        List.of("DROP EXTENSION " + Sql.identifier(extension) + " CASCADE"), database));
            }
            for (Publication publication : objects.publications()) {
                String tables = publication.allTables() ? "all tables"
                        : publication.tables() == 1 ? "1 table" : publication.tables() + " tables";
                findings.add(new Finding(target.backend(), Severity.MEDIUM, FindingKind.PUBLICATION, database,
                        "publication " + publication.name() + " in " + database + " publishes " + tables,
                        List.of("DROP PUBLICATION " + Sql.identifier(publication.name())), database));
            }
        }
        for (Subscription subscription : snapshot.subscriptions()) {
            Optional<String> source = ConnInfo.dbname(subscription.conninfo());
            if (source.isPresent() && services.contains(source.get()) && !source.get().equals(subscription.database())) {
                findings.add(new Finding(target.backend(), Severity.HIGH, FindingKind.SUBSCRIPTION, source.get(),
                        "subscription " + subscription.name() + " in " + subscription.database() + " copies from "
                                + source.get(),
                        dropSubscription(subscription.name()), subscription.database()));
            }
        }
        for (Slot slot : snapshot.slots()) {
            findings.add(new Finding(target.backend(), Severity.MEDIUM, FindingKind.REPLICATION_SLOT, slot.database(),
                    "logical replication slot " + slot.name() + " in " + slot.database(),
                    List.of("SELECT pg_drop_replication_slot(" + Sql.literal(slot.name()) + ")"), slot.database()));
        }
        return findings;
    }

    /**
     * Detached from its slot first: DROP SUBSCRIPTION alone fails when the slot is gone or the
     * publisher unreachable. The slot, if any, is a finding of its own (dropped where it lives).
     */
    private static List<String> dropSubscription(String name) {
        String subscription = Sql.identifier(name);
        return List.of("ALTER SUBSCRIPTION " + subscription + " DISABLE",
                "ALTER SUBSCRIPTION " + subscription + " SET (slot_name = NONE)",
                "DROP SUBSCRIPTION " + subscription);
    }
}
