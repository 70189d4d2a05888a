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
        try {
            return Findings.of(target, read(backend, target));
        } catch (SQLException e) {
            return List.of(new Finding(backend.name(), Severity.HIGH, FindingKind.AUDIT_FAILED, null,
                    "cannot audit backend " + backend.name() + " at " + backend.host() + ":" + backend.port()
                            + " as " + backend.adminUser() + ": " + e.getMessage(),
                    List.of("-- check the backend's admin_user (a superuser) and that it is reachable"), null));
        }
    }

    private AuditSnapshot read(BackendConfig backend, AuditTarget target) throws SQLException {
        AuditSnapshot snapshot;
        try (Connection admin = connector.connect(backend, null)) {
            snapshot = AuditQueries.instance(admin, target.databaseNames());
        }
        List<DatabaseObjects> objects = new ArrayList<>();
        for (Database database : snapshot.databases()) {
            try (Connection connection = connector.connect(backend, database.name())) {
                objects.add(AuditQueries.objects(connection, database.name()));
            }
        }
        return snapshot.withObjects(objects);
    }
}
