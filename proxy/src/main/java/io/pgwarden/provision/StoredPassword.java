package io.pgwarden.provision;

import io.pgwarden.auth.Md5Password;
import io.pgwarden.auth.ScramVerifier;

/**
 * Tells whether a pg_authid {@code rolpassword} was made from a given password, so provisioning
 * changes a password only when it differs and a second run reports nothing, and the audit finds
 * passwords changed behind pgwarden's back.
 */
public final class StoredPassword {

    private StoredPassword() {
    }

    /**
     * @param stored   rolpassword; null when the role has no password
     * @param role     the role name (md5 salts with it)
     * @param password the wanted password; empty means "no password"
     */
    public static boolean matches(String stored, String role, String password) {
        if (stored == null || password.isEmpty()) {
            return stored == null && password.isEmpty();
        }
        if (ScramVerifier.isVerifier(stored)) {
            return scramMatches(stored, password);
        }
        if (Md5Password.isHash(stored)) {
            return stored.equals(Md5Password.hash(password, role));
        }
        return false;
    }

    /** Derives again with the stored salt and iterations: equal verifiers mean equal passwords. */
    private static boolean scramMatches(String stored, String password) {
        ScramVerifier verifier;
        try {
            verifier = ScramVerifier.parse(stored);
        } catch (IllegalArgumentException malformed) {
            return false; // setting the password again repairs it
        }
        return ScramVerifier.fromPassword(password, verifier.salt(), verifier.iterations()).equals(verifier);
    }
}
