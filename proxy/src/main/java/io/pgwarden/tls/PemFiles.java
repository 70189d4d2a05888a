package io.pgwarden.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads the PEM files of {@code listen.tls}: certificate chains and PKCS#8 private keys (RSA or
 * EC). Errors name the file and what was expected, never a byte of the key.
 */
final class PemFiles {

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";

    private PemFiles() {
    }

    static List<X509Certificate> certificates(Path file) throws TlsSetupException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (chain.isEmpty()) {
                throw new TlsSetupException(file + ": no certificate in it (PEM, -----BEGIN CERTIFICATE-----, expected)");
            }
            return chain;
        } catch (IOException e) {
            throw new TlsSetupException(file + ": cannot read it (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException(file + ": not a PEM certificate (" + e.getMessage() + ")");
        }
    }

    static PrivateKey privateKey(Path file) throws TlsSetupException {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsSetupException(file + ": cannot read it (" + e.getMessage() + ")");
        }
        int begin = pem.indexOf(KEY_BEGIN);
        int end = pem.indexOf(KEY_END);
        if (begin < 0 || end < begin) {
            String found = pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN EC PRIVATE KEY-----")
                    ? "a PKCS#1/SEC1 key; convert it with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key"
                    : pem.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key; pgwarden needs it unencrypted (protect the file instead)"
                    : "no " + KEY_BEGIN + " block";
            throw new TlsSetupException(file + ": a PEM PKCS#8 private key expected, found " + found);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new TlsSetupException(file + ": the private key is not valid base64");
        }
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // the next algorithm
            }
        }
        throw new TlsSetupException(file + ": the private key is neither RSA nor EC");
    }

    /** A certificate and a key from files written one after the other could be from two rotations: check they belong. */
    static boolean matches(PrivateKey key, PublicKey certificateKey) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] probe = "pgwarden key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificateKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
