package io.pgwarden.auth;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Who a client certificate says the client is, for {@code auth: cert} and {@code scram+cert}: the
 * common name (CN) of its subject must be the service name, as PostgreSQL's cert method maps CN to
 * the user name without a pg_ident map. The TLS handshake has already checked that listen.tls.ca
 * signed it and that it is within its dates. The answers are PostgreSQL's (28000).
 */
public final class CertificateIdentity {

    private static final String INVALID_AUTHORIZATION = "28000";

    private CertificateIdentity() {
    }

    /** Empty when {@code certificate} (null: none was sent) proves the client is {@code service}. */
    public static Optional<AuthenticationFailedException> check(X509Certificate certificate, String service) {
        if (certificate == null) {
            return Optional.of(new AuthenticationFailedException("no client certificate",
                    AuthenticationFailedException.Reason.CERTIFICATE, new AuthenticationFailedException.ClientError(INVALID_AUTHORIZATION, "connection requires a valid client certificate", null)));
        }
        Optional<String> commonName = commonName(certificate);
        if (commonName.isEmpty() || !commonName.get().equals(service)) {
            return Optional.of(new AuthenticationFailedException("the client certificate's CN is "
                    + commonName.map(cn -> "\"" + cn + "\"").orElse("missing") + ", not the service name",
                    AuthenticationFailedException.Reason.CERTIFICATE, new AuthenticationFailedException.ClientError(INVALID_AUTHORIZATION,
                            "certificate authentication failed for user \"" + service + "\"", null)));
        }
        return Optional.empty();
    }

    /** The subject's CN; with several, the first in the certificate's order, the one PostgreSQL's X509_NAME_get_text_by_NID takes. */
    static Optional<String> commonName(X509Certificate certificate) {
        try {
            String found = null;
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) { // in the certificate's order
                if (rdn.getType().equalsIgnoreCase("CN") && found == null) {
                    found = rdn.getValue().toString();
                }
            }
            return Optional.ofNullable(found);
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }
}
