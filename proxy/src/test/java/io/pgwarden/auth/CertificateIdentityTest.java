package io.pgwarden.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.TestCertificates;
import java.security.MessageDigest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CertificateIdentityTest {

    private static TestCertificates ca;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestCertificates.newCa("identity test CA");
    }

    @Test
    void theCommonNameIsTheService() throws Exception {
        assertTrue(CertificateIdentity.check(ca.client("billing").certificate(), "billing").isEmpty());
    }

    @Test
    void noCertificateOrAnotherServiceIsRefusedAsPostgresCertAuthRefuses() throws Exception {
        assertEquals(new AuthenticationFailedException.ClientError("28000", "connection requires a valid client certificate", null),
                CertificateIdentity.check(null, "billing").orElseThrow().clientError());
        AuthenticationFailedException other = CertificateIdentity.check(ca.client("audit").certificate(), "billing").orElseThrow();
        assertEquals(new AuthenticationFailedException.ClientError("28000", "certificate authentication failed for user \"billing\"", null),
                other.clientError());
        assertEquals("the client certificate's CN is \"audit\", not the service name", other.getMessage());
    }

    @Test
    void channelBindingHashesTheCertificateWithItsSignatureHash() throws Exception {
        java.security.cert.X509Certificate sha256Signed = ca.client("x").certificate();
        assertEquals("SHA256withRSA", sha256Signed.getSigAlgName());
        assertEquals(java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sha256Signed.getEncoded())),
                java.util.HexFormat.of().formatHex(ChannelBinding.serverEndPoint(sha256Signed)));
    }
}
