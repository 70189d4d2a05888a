package io.pgwarden.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

/**
 * The channel a SCRAM exchange runs over, as far as channel binding is concerned: plain TCP (none),
 * or TLS with the {@code tls-server-end-point} data of RFC 5929 — a hash of the server certificate
 * this very connection was given, which is the one type PostgreSQL supports. A client that binds
 * the exchange to it knows no one in the middle holds another certificate.
 */
public final class ChannelBinding {

    public static final String TYPE = "tls-server-end-point";
    public static final ChannelBinding NONE = new ChannelBinding(null);

    private final byte[] serverEndPoint;

    private ChannelBinding(byte[] serverEndPoint) {
        this.serverEndPoint = serverEndPoint;
    }

    /** Over TLS, where {@code serverCertificate} is the certificate the connection's handshake sent. */
    public static ChannelBinding tls(X509Certificate serverCertificate) {
        return new ChannelBinding(serverEndPoint(serverCertificate));
    }

    /** For tests: binding data given as is. */
    static ChannelBinding tlsServerEndPoint(byte[] data) {
        return new ChannelBinding(data.clone());
    }

    /** Over TLS: SCRAM-SHA-256-PLUS can be offered. */
    public boolean available() {
        return serverEndPoint != null;
    }

    /** The mechanisms to offer, in PostgreSQL's order: -PLUS first when it is possible. */
    public List<String> mechanisms() {
        return available() ? List.of(ScramFunctions.MECHANISM_PLUS, ScramFunctions.MECHANISM) : List.of(ScramFunctions.MECHANISM);
    }

    byte[] data() {
        return serverEndPoint.clone();
    }

    /**
     * RFC 5929 section 4.1: the certificate hashed with its signature's hash function, where MD5 and
     * SHA-1 become SHA-256 (so does anything else, RSASSA-PSS included: its hash is not in the name).
     */
    static byte[] serverEndPoint(X509Certificate certificate) {
        String signature = certificate.getSigAlgName().toUpperCase(Locale.ROOT);
        String hash = signature.contains("SHA512") ? "SHA-512" : signature.contains("SHA384") ? "SHA-384" : "SHA-256";
        try {
            return MessageDigest.getInstance(hash).digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot hash the server certificate for channel binding", e);
        }
    }

    @Override
    public String toString() {
        return available() ? "ChannelBinding[" + TYPE + "]" : "ChannelBinding[none]";
    }
}
