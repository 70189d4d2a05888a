package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.Database;
import io.pgwarden.audit.AuditSnapshot.DatabaseObjects;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.PgwardenConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Audits backends: reads each with its admin role ({@link AuditQueries}), then derives the findings
 * ({@link Findings}). Blocks on JDBC: call it from a thread of its own, never an event loop. A
 * backend that cannot be read gives one {@link FindingKind#AUDIT_FAILED} finding: an isolation that
 * could not be measured is not a clean one.
 */
public final class IsolationAudit {

    private final DatabaseConnector connector;

    public IsolationAudit(DatabaseConnector connector) {
        this.connector = connector;
    }

    /** Every backend that serves databases. */
    public AuditReport audit(PgwardenConfig config) {
        List<String> backends = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (BackendConfig backend : config.backends().values()) {
            if (!config.databasesOn(backend.name()).isEmpty()) {
                backends.add(backend.name());
                findings.addAll(audit(backend, AuditTarget.of(config, backend.name())));
            }
        }
        return new AuditReport(backends, findings);
    }

    public List<Finding> audit(BackendConfig backend, AuditTarget target) {
        AuditSnapshot snapshot;
        try (Connection admin = connector.connect(backend, null)) {
            snapshot = AuditQueries.instance(admin, target.databaseNames(), target.passwords().keySet());
        } catch (SQLException e) {
            return List.of(failed(backend, null, "cannot audit backend " + backend.name() + " at " + backend.host()
                    + ":" + backend.port() + " as " + backend.adminUser() + ": " + e.getMessage()));
        }
        List<DatabaseObjects> objects = new ArrayList<>();
        List<Finding> unread = new ArrayList<>();
        for (Database database : snapshot.databases()) {
            try (Connection connection = connector.connect(backend, database.name())) {
                objects.add(AuditQueries.objects(connection, database.name(),
                        target.schemasIn(database.name()).stream().map(AuditTarget.ServiceSchema::schema).toList()));
            } catch (SQLException e) {
                // e.g. an admin that is no superuser and was never granted CONNECT: the rest still counts
                unread.add(failed(backend, database.name(), "cannot read the objects in " + database.name() + " as "
                        + backend.adminUser() + ": " + e.getMessage()));
            }
        }
        List<Finding> findings = new ArrayList<>(Findings.of(target, snapshot.withObjects(objects)));
        findings.addAll(unread);
        findings.sort(Findings.ORDER);
        return List.copyOf(findings);
    }

    private static Finding failed(BackendConfig backend, String database, String what) {
        return new Finding(backend.name(), Severity.HIGH, FindingKind.AUDIT_FAILED, database, what,
                List.of("-- check that admin_user is a superuser and the backend is reachable"), null);
    }
}
