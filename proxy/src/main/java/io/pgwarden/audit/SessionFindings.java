package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.Session;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions in service databases that did not come through pgwarden: any role but the ones pgwarden
 * logs in to that database as. A superuser's session is medium (an operator at work, most likely);
 * anyone else's is high (the role should not have been able to connect at all).
 */
final class SessionFindings {

    /**
     * What pg_stat_activity shows for the audit's connections. Another audit's sessions (a periodic
     * one in {@code run} while {@code pgwarden audit} runs) are the admin role's under this name and
     * are not findings; only the admin can log in as the admin, and the admin can do anything anyway.
     */
    static final String APPLICATION_NAME = "pgwarden audit";

    private SessionFindings() {
    }

    static List<Finding> of(AuditTarget target, List<Session> sessions) {
        List<Finding> findings = new ArrayList<>();
        for (Session session : sessions) {
            if (session.user() == null || target.isConfigured(session.user(), session.database())
                    || (session.user().equals(target.adminUser()) && APPLICATION_NAME.equals(session.applicationName()))) {
                continue;
            }
            String what = (session.superuser() ? "superuser session " : "session ") + session.pid() + " in "
                    + session.database() + " as " + session.user() + " (application \""
                    + (session.applicationName() == null ? "" : session.applicationName()) + "\", from "
                    + (session.clientAddress() == null ? "a Unix socket" : session.clientAddress()) + ")";
            findings.add(new Finding(target.backend(), session.superuser() ? Severity.MEDIUM : Severity.HIGH,
                    FindingKind.BYPASS_SESSION, session.database(), what,
                    List.of("SELECT pg_terminate_backend(" + session.pid() + ")"), null));
        }
        return findings;
    }
}
