package io.pgwarden.embedded;

import java.util.ArrayList;
import java.util.List;

/**
 * The pg_hba.conf an embedded server runs with: the admin is trusted on loopback, every other role
 * must prove its password with SCRAM, so the proxy's backend login is exercised for real.
 */
final class LoopbackHba {

    static final String ADMIN = "postgres";

    private LoopbackHba() {
    }

    /** {@code extraRules} come first: PostgreSQL uses the first line that matches. */
    static String render(List<String> extraRules) {
        List<String> lines = new ArrayList<>();
        lines.add("# Written by pgwarden (EmbeddedPostgresServer); rewritten on every start.");
        lines.add("# TYPE  DATABASE  USER  ADDRESS  METHOD");
        lines.addAll(extraRules);
        lines.add("local  all  " + ADMIN + "  trust");
        lines.add("host   all  " + ADMIN + "  127.0.0.1/32  trust");
        lines.add("host   all  " + ADMIN + "  ::1/128       trust");
        lines.add("local  all  all  scram-sha-256");
        lines.add("host   all  all  127.0.0.1/32  scram-sha-256");
        lines.add("host   all  all  ::1/128       scram-sha-256");
        return String.join("\n", lines) + "\n";
    }
}
