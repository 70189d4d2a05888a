package io.pgwarden.frontend;

import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.config.AuthMethod;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The SCRAM verifier of every service, computed once at start, and the secret behind the fake
 * exchange for unknown users.
 *
 * <p>Salts must not give away which user names exist: a configured verifier has a fixed salt, so a
 * plain password in the file gets a salt derived from a secret (a digest of every service's
 * password) and the service name — stable across restarts, like a stored one — and unknown users get
 * a salt derived the same way.
 *
 * <p>A reload computes the next generation off the event loops ({@link #update}) and swaps it in
 * with one volatile write.
 */
public final class ServiceCredentials {

    private static final int ITERATIONS = 4096;

    /** One config's verifiers and secret. */
    private record Generation(Map<String, ScramVerifier> verifiers, byte[] secret) {
    }

    private volatile Generation current;

    public ServiceCredentials(PgwardenConfig config) {
        this.current = generation(config);
    }

    /** The verifiers of {@code config} (PBKDF2 for plain passwords: call it off the event loops). */
    public void update(PgwardenConfig config) {
        current = generation(config);
    }

    private static Generation generation(PgwardenConfig config) {
        byte[] secret = secretOf(config);
        Map<String, ScramVerifier> verifiers = new HashMap<>();
        for (ServiceConfig service : config.services().values()) {
            if (service.auth().usesScram()) {
                verifiers.put(service.name(), ScramVerifier.isVerifier(service.password())
                        ? ScramVerifier.parse(service.password())
                        : ScramVerifier.fromPassword(service.password(), saltFor(secret, service.name()), ITERATIONS));
            }
        }
        return new Generation(Map.copyOf(verifiers), secret);
    }

    ScramVerifier verifier(ServiceConfig service) {
        return current.verifiers().get(service.name());
    }

    byte[] mockSecret() {
        return current.secret().clone();
    }

    private static byte[] saltFor(byte[] secret, String serviceName) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal(("salt:" + serviceName).getBytes(StandardCharsets.UTF_8)), 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] secretOf(PgwardenConfig config) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            config.services().values().stream().sorted(java.util.Comparator.comparing(ServiceConfig::name)).forEach(s -> {
                digest.update(s.name().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(s.password().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            });
            return digest.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
