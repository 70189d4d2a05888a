package io.pgwarden.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The JDK's key and trust managers from the same PEM files the Netty side reads, for the pgjdbc
 * connections (admin, sampler, budget) that must present pgwarden's client certificate too.
 */
public final class PemKeyMaterial {

    private static final char[] NO_PASSWORD = new char[0]; // an in-memory key store: nothing to protect it from

    private PemKeyMaterial() {
    }

    /** The certificate chain in {@code cert} with the PKCS#8 key in {@code key}; they must belong together. */
    public static KeyManager[] keyManagers(Path cert, Path key) throws TlsSetupException {
        List<X509Certificate> chain = PemFiles.certificates(cert);
        PrivateKey privateKey = PemFiles.privateKey(key);
        if (!PemFiles.matches(privateKey, chain.get(0).getPublicKey())) {
            throw new TlsSetupException(key + ": this key does not belong to the certificate in " + cert);
        }
        try {
            KeyStore store = emptyStore();
            store.setKeyEntry("client", privateKey, NO_PASSWORD, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, NO_PASSWORD);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException(cert + ": cannot use it as a client certificate (" + e.getMessage() + ")");
        }
    }

    /** Trust exactly the CA certificates in {@code ca}. */
    public static TrustManager[] trustManagers(Path ca) throws TlsSetupException {
        List<X509Certificate> certificates = PemFiles.certificates(ca);
        try {
            KeyStore store = emptyStore();
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca" + i, certificates.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException(ca + ": cannot use it as a CA file (" + e.getMessage() + ")");
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (IOException e) {
            throw new GeneralSecurityException(e); // load(null) reads nothing
        }
    }
}
