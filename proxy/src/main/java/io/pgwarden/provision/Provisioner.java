package io.pgwarden.provision;

import io.pgwarden.backend.AdminConnector;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Creates, on every backend, what the config's databases need: each role (able to log in, with its
 * password), each physical database (owned by its role, CONNECT revoked from PUBLIC, granted to
 * its roles) and, in a database shared as schemas, each schema owned by its role and closed to the others. Idempotent: a run over a provisioned backend changes nothing and reports nothing.
 */
public final class Provisioner {

    private final AdminConnector connector;

    public Provisioner() {
        this(AdminConnector.pgjdbc("pgwarden provision", java.time.Duration.ofMinutes(5)));
    }

    public Provisioner(AdminConnector connector) {
        this.connector = connector;
    }

    public ProvisionReport provision(PgwardenConfig config) throws ProvisionException {
        List<Change> changes = new ArrayList<>();
        for (BackendConfig backend : config.backends().values()) {
            List<DatabaseConfig> databases = config.databasesOn(backend.name());
            if (!databases.isEmpty()) {
                provision(backend, BackendPlan.of(databases, backend.adminUser()),
                        description -> changes.add(new Change(backend.name(), description)));
            }
        }
        return new ProvisionReport(changes);
    }

    private void provision(BackendConfig backend, BackendPlan plan, Consumer<String> changed)
            throws ProvisionException {
        try (Connection admin = connector.connect(backend)) {
            admin.setAutoCommit(true);
            RoleProvisioning roles = new RoleProvisioning(admin, changed);
            DatabaseProvisioning databases = new DatabaseProvisioning(admin, changed);
            Set<String> rolesDone = new HashSet<>();
            for (PhysicalDatabase database : plan.databases()) {
                for (String user : database.users()) {
                    if (rolesDone.add(user)) {
                        roles.ensure(user, plan.passwords().get(user));
                    }
                }
                databases.ensure(database);
                if (!database.schemas().isEmpty()) {
                    try (Connection inside = connector.connect(backend.withAdminDatabase(database.name()))) {
                        inside.setAutoCommit(true);
                        new SchemaProvisioning(inside, database.name(), changed).ensure(database);
                    }
                }
            }
        } catch (SQLException e) {
            throw new ProvisionException("provisioning backend " + backend.name() + " at "
                    + backend.host() + ":" + backend.port() + " failed: " + e.getMessage(), e);
        }
    }
}
