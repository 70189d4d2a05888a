package io.pgwarden;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made for a test run: a CA, server certificates it signs (RSA or EC, valid or
 * expired) and client certificates whose CN is a service name, written as PEM (and PKCS#8 DER for
 * pgjdbc's sslkey) into a folder.
 */
public final class TestCertificates {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {

        /** Writes {@code <name>.crt} (PEM), {@code <name>.key} (PEM PKCS#8) and {@code <name>.pk8} (DER) into {@code dir}. */
        public Issued writeTo(Path dir, String name) throws IOException {
            writeAtomically(dir.resolve(name + ".crt"), pem("CERTIFICATE", encoded(certificate)));
            writeAtomically(dir.resolve(name + ".key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            Files.write(dir.resolve(name + ".pk8"), keys.getPrivate().getEncoded());
            return this;
        }

        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    private final Issued ca;

    private TestCertificates(Issued ca) {
        this.ca = ca;
    }

    /** A new CA named {@code name}. */
    public static TestCertificates newCa(String name) throws GeneralSecurityException {
        KeyPair keys = rsa();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new TestCertificates(new Issued(keys, sign(builder, keys)));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    public Issued ca() {
        return ca;
    }

    /** Writes the CA certificate as {@code <name>.crt}. */
    public Path writeCa(Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".crt");
        writeAtomically(file, pem("CERTIFICATE", encoded(ca.certificate())));
        return file;
    }

    /** A server certificate for DNS name {@code host} only (no IP address), valid now. */
    public Issued server(String host, boolean ec) throws GeneralSecurityException {
        Instant now = Instant.now();
        return issue("CN=" + host, ec ? ec() : rsa(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)), host);
    }

    /** A server certificate for {@code host} that expired yesterday. */
    public Issued expiredServer(String host) throws GeneralSecurityException {
        Instant now = Instant.now();
        return issue("CN=" + host, rsa(), now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)), host);
    }

    /** A client certificate whose CN is {@code commonName}. */
    public Issued client(String commonName) throws GeneralSecurityException {
        Instant now = Instant.now();
        return issue("CN=" + commonName + ",O=pgwarden tests", ec(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)), null);
    }

    private Issued issue(String subject, KeyPair keys, Instant from, Instant until, String dnsName) throws GeneralSecurityException {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(), serial(), Date.from(from), Date.from(until),
                    new org.bouncycastle.asn1.x500.X500Name(subject), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (dnsName != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
            }
            return new Issued(keys, sign(builder, ca.keys()));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** As an operator rotating files should: write aside, then rename over the old one. */
    private static void writeAtomically(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.US_ASCII);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
