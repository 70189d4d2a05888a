package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.Connect;
import io.pgwarden.audit.AuditSnapshot.Database;
import io.pgwarden.audit.AuditSnapshot.Membership;
import io.pgwarden.audit.AuditSnapshot.Role;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Who can connect to each service database, and which roles reach more than one. Superusers and the
 * admin role can connect everywhere: they are reported once each (as superusers, or through the
 * memberships that lead to them), not on every database.
 */
final class AccessFindings {

    static final Set<String> ALL_DATA_ROLES = Set.of("pg_read_all_data", "pg_write_all_data");

    private final AuditTarget target;
    private final AuditSnapshot snapshot;
    private final Map<String, Role> roles;

    private AccessFindings(AuditTarget target, AuditSnapshot snapshot) {
        this.target = target;
        this.snapshot = snapshot;
        this.roles = snapshot.roles().stream().collect(Collectors.toMap(Role::name, Function.identity()));
    }

    static List<Finding> of(AuditTarget target, AuditSnapshot snapshot) {
        AccessFindings access = new AccessFindings(target, snapshot);
        List<Finding> findings = new ArrayList<>();
        access.publicConnect(findings);
        access.connectGrants(findings);
        access.superusers(findings);
        access.memberships(findings);
        access.sharedRoles(findings);
        return findings;
    }

    /** The admin role and superusers: they connect anywhere and are reported once each. */
    private boolean everywhere(String role) {
        return role.equals(target.adminUser()) || superuser(role);
    }

    private boolean superuser(String role) {
        Role known = roles.get(role);
        return known != null && known.superuser();
    }

    private void publicConnect(List<Finding> findings) {
        for (Database database : snapshot.databases()) {
            if (database.publicConnect()) {
                findings.add(finding(Severity.HIGH, FindingKind.PUBLIC_CONNECT, database.name(),
                        "PUBLIC can connect to " + database.name(), List.of(Sql.revokeConnectFromPublic(database.name()))));
            }
        }
    }

    /**
     * One finding per grantee of CONNECT that lets in a login role pgwarden does not use for the
     * database: the role itself (a direct grant) or a group it inherits from. A path through one of
     * pgwarden's roles is a membership, reported by {@link #memberships}.
     */
    private void connectGrants(List<Finding> findings) {
        Map<String, Map<String, Set<String>>> byGrantee = new TreeMap<>(); // database -> grantee -> login roles
        for (Connect connect : snapshot.connects()) {
            if (everywhere(connect.role()) || target.isConfigured(connect.role(), connect.database())) {
                continue;
            }
            for (String grantee : connect.viaRoles()) {
                if (!target.isConfigured(grantee, connect.database()) && !everywhere(grantee)) {
                    byGrantee.computeIfAbsent(connect.database(), d -> new TreeMap<>())
                            .computeIfAbsent(grantee, g -> new TreeSet<>()).add(connect.role());
                }
            }
        }
        byGrantee.forEach((database, grantees) -> grantees.forEach((grantee, members) -> {
            String what = members.equals(Set.of(grantee))
                    ? "role " + grantee + " can connect to " + database + " (CONNECT granted to it)"
                    : "CONNECT on " + database + " granted to " + grantee + " lets in " + String.join(", ", members);
            findings.add(finding(Severity.HIGH, FindingKind.CONNECT_GRANT, database, what,
                    List.of(Sql.revokeConnect(database, grantee))));
        }));
    }

    private void superusers(List<Finding> findings) {
        for (Role role : snapshot.roles()) {
            if (role.superuser() && role.canLogin() && !role.name().equals(target.adminUser())) {
                findings.add(finding(Severity.HIGH, FindingKind.SUPERUSER, null,
                        "role " + role.name() + " is a superuser and can log in",
                        List.of("ALTER ROLE " + Sql.identifier(role.name()) + " NOSUPERUSER")));
            }
        }
    }

    /** Direct memberships only: the fix revokes exactly the grant that opens the way. */
    private void memberships(List<Finding> findings) {
        for (Membership edge : snapshot.memberships()) {
            String member = edge.member();
            String role = edge.role();
            if (everywhere(member)) {
                continue;
            }
            List<String> fix = List.of(Sql.revokeMembership(role, member));
            Set<String> databasesOfRole = target.databasesOf(role);
            if (superuser(role)) {
                findings.add(finding(Severity.HIGH, FindingKind.SUPERUSER, null,
                        "role " + member + " is a member of superuser " + role + " (SET ROLE makes it a superuser)", fix));
            } else if (role.equals(target.adminUser())) {
                findings.add(finding(Severity.HIGH, FindingKind.MEMBERSHIP, null,
                        "role " + member + " is a member of the admin role " + role, fix));
            } else if (ALL_DATA_ROLES.contains(role)) {
                findings.add(finding(Severity.HIGH, FindingKind.ALL_DATA, null,
                        "role " + member + " is a member of " + role, fix));
            } else if (!databasesOfRole.isEmpty()
                    && !databasesOfRole.stream().allMatch(database -> target.isConfigured(member, database))) {
                String databases = String.join(", ", new TreeSet<>(databasesOfRole));
                findings.add(finding(Severity.HIGH, FindingKind.MEMBERSHIP, databasesOfRole.size() == 1 ? databases : null,
                        "role " + member + " is a member of " + role + ", pgwarden's role for " + databases, fix));
            }
        }
    }

    /**
     * Login roles that can connect to two or more service databases other than through PUBLIC (which
     * is reported per database). Medium when pgwarden's own config shares the role; high otherwise,
     * with the revocations of every way into the databases it is not configured for.
     */
    private void sharedRoles(List<Finding> findings) {
        Map<String, List<Connect>> byRole = new TreeMap<>();
        for (Connect connect : snapshot.connects()) {
            if (!everywhere(connect.role()) && !connect.viaRoles().isEmpty()) {
                byRole.computeIfAbsent(connect.role(), r -> new ArrayList<>()).add(connect);
            }
        }
        byRole.forEach((role, connects) -> {
            if (connects.size() < 2) {
                return;
            }
            String databases = connects.stream().map(Connect::database).sorted().collect(Collectors.joining(", "));
            Set<String> fix = new LinkedHashSet<>();
            for (Connect connect : connects) {
                if (!target.isConfigured(role, connect.database())) {
                    fix.addAll(revocations(connect));
                }
            }
            boolean configured = connects.stream().allMatch(c -> target.isConfigured(role, c.database()));
            if (configured) {
                findings.add(finding(Severity.MEDIUM, FindingKind.SHARED_ROLE, null,
                        "role " + role + " is pgwarden's role for " + databases + " (the config shares it)",
                        List.of("-- give each database its own user in pgwarden's config, then run pgwarden provision")));
            } else {
                findings.add(finding(Severity.HIGH, FindingKind.SHARED_ROLE, null,
                        "role " + role + " can connect to " + databases,
                        fix.isEmpty() ? List.of("-- see the superuser and membership findings") : List.copyOf(fix)));
            }
        });
    }

    /** What closes every way {@code connect} found in. */
    private List<String> revocations(Connect connect) {
        List<String> fix = new ArrayList<>();
        for (String grantee : connect.viaRoles()) {
            if (everywhere(grantee)) {
                continue;
            }
            fix.add(grantee.equals(connect.role()) || !target.isConfigured(grantee, connect.database())
                    ? Sql.revokeConnect(connect.database(), grantee)
                    : Sql.revokeMembership(grantee, connect.role()));
        }
        return fix;
    }

    private Finding finding(Severity severity, FindingKind kind, String database, String what, List<String> fix) {
        return new Finding(target.backend(), severity, kind, database, what, fix, null);
    }
}
