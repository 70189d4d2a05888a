package io.pgwarden.backend;

import io.pgwarden.tls.PemKeyMaterial;
import io.pgwarden.tls.TlsSetupException;
import org.postgresql.PGProperty;
import org.postgresql.ssl.NonValidatingFactory;
import org.postgresql.ssl.WrappedFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Properties;

/**
 * pgjdbc's {@code sslfactory} for pgwarden's own pgjdbc connections when the backend's {@code tls:}
 * has a client certificate: pgjdbc reads keys only as PKCS#8 DER or PKCS#12, pgwarden's are PEM. It
 * trusts what libpq's sslmode would (the CA in sslrootcert for verify-ca, verify-full, and require
 * with a CA; anything otherwise); pgjdbc still checks the host name itself for verify-full.
 */
public final class PemClientCertificateFactory extends WrappedFactory {

    /** Called by pgjdbc with the connection's properties (sslcert, sslkey, sslrootcert, sslmode). */
    public PemClientCertificateFactory(Properties info) throws TlsSetupException, GeneralSecurityException {
        String cert = PGProperty.SSL_CERT.getOrDefault(info);
        String key = PGProperty.SSL_KEY.getOrDefault(info);
        String ca = PGProperty.SSL_ROOT_CERT.getOrDefault(info);
        String mode = PGProperty.SSL_MODE.getOrDefault(info);
        TrustManager[] trust = verifies(mode, ca) ? PemKeyMaterial.trustManagers(Path.of(ca))
                : new TrustManager[] {new NonValidatingFactory.NonValidatingTM()}; // libpq's prefer/require: encryption only
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(PemKeyMaterial.keyManagers(Path.of(cert), Path.of(key)), trust, null);
        factory = context.getSocketFactory();
    }

    /** libpq: verify-ca and verify-full always check; require checks when a root certificate is given. */
    static boolean verifies(String mode, String ca) {
        return "verify-ca".equals(mode) || "verify-full".equals(mode) || ca != null && "require".equals(mode);
    }
}
