package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.Connect;
import io.pgwarden.audit.AuditSnapshot.Database;
import io.pgwarden.audit.AuditSnapshot.Role;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import io.pgwarden.provision.StoredPassword;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where the backend no longer matches what {@code pgwarden provision} made of the config: roles
 * missing or unable to log in, databases missing or owned by someone else, CONNECT taken away.
 * Each fix is what provision would run (except passwords: provision sets those). Passwords are
 * compared as provision compares them, when the admin may read pg_authid.
 */
final class DriftFindings {

    private DriftFindings() {
    }

    static List<Finding> of(AuditTarget target, AuditSnapshot snapshot) {
        Map<String, Role> roles = snapshot.roles().stream().collect(Collectors.toMap(Role::name, Function.identity()));
        Map<String, Database> databases = snapshot.databases().stream()
                .collect(Collectors.toMap(Database::name, Function.identity()));
        Set<String> canConnect = new HashSet<>();
        for (Connect connect : snapshot.connects()) {
            canConnect.add(connect.database() + "\0" + connect.role());
        }
        List<Finding> findings = new ArrayList<>();
        passwords(target, snapshot, findings);
        Set<String> rolesSeen = new HashSet<>();
        for (PhysicalDatabase wanted : target.databases()) {
            String name = wanted.name();
            for (String user : wanted.users()) {
                Role role = roles.get(user);
                if (role == null && rolesSeen.add(user)) {
                    findings.add(finding(target, FindingKind.ROLE_MISSING, name,
                            "role " + user + " (pgwarden's role for " + name + ") does not exist",
                            List.of("CREATE ROLE " + Sql.identifier(user) + " LOGIN",
                                    "-- then run pgwarden provision: it sets the role's password")));
                } else if (role != null && !role.canLogin() && rolesSeen.add(user)) {
                    findings.add(finding(target, FindingKind.ROLE_CANNOT_LOGIN, name,
                            "role " + user + " (pgwarden's role for " + name + ") cannot log in",
                            List.of("ALTER ROLE " + Sql.identifier(user) + " LOGIN")));
                }
            }
            Database actual = databases.get(name);
            if (actual == null) {
                List<String> fix = new ArrayList<>();
                fix.add("CREATE DATABASE " + Sql.identifier(name) + " OWNER " + Sql.identifier(wanted.owner()));
                fix.add(Sql.revokeConnectFromPublic(name));
                wanted.users().stream().filter(user -> !user.equals(wanted.owner()))
                        .forEach(user -> fix.add(Sql.grantConnect(name, user)));
                findings.add(finding(target, FindingKind.DATABASE_MISSING, name, "database " + name + " does not exist", fix));
                continue;
            }
            if (!actual.owner().equals(wanted.owner())) {
                findings.add(finding(target, FindingKind.OWNER_DRIFT, name,
                        "database " + name + " is owned by " + actual.owner() + ", pgwarden's config says " + wanted.owner(),
                        List.of("ALTER DATABASE " + Sql.identifier(name) + " OWNER TO " + Sql.identifier(wanted.owner()))));
            }
            for (String user : wanted.users()) {
                Role role = roles.get(user);
                if (role != null && role.canLogin() && !role.superuser() && !canConnect.contains(name + "\0" + user)) {
                    findings.add(finding(target, FindingKind.CONNECT_MISSING, name,
                            "role " + user + " (pgwarden's role for " + name + ") cannot connect to it",
                            List.of(Sql.grantConnect(name, user))));
                }
            }
        }
        return findings;
    }

    /** No SQL for this one: it would carry the password. */
    private static void passwords(AuditTarget target, AuditSnapshot snapshot, List<Finding> findings) {
        for (AuditSnapshot.StoredPassword stored : snapshot.passwords()) {
            String wanted = target.passwords().get(stored.role());
            if (wanted != null && !StoredPassword.matches(stored.stored(), stored.role(), wanted)) {
                Set<String> databases = target.databasesOf(stored.role());
                findings.add(finding(target, FindingKind.PASSWORD_DRIFT, databases.size() == 1 ? databases.iterator().next() : null,
                        "role " + stored.role() + (wanted.isEmpty() ? " has a password; pgwarden's config gives it none"
                                : " has another password than pgwarden's config gives it"),
                        List.of("-- run pgwarden provision: it sets the password from the config")));
            }
        }
    }

    private static Finding finding(AuditTarget target, FindingKind kind, String database, String what, List<String> fix) {
        return new Finding(target.backend(), Severity.HIGH, kind, database, what, fix, null);
    }
}
