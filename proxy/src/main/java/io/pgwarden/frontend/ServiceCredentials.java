package io.pgwarden.frontend;

import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.config.AuthMethod;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * The SCRAM verifier of every service, computed once at start (a plain password in the file gets a
 * verifier with a random salt, as PostgreSQL would store it), and the secret that makes the fake
 * exchange for unknown users look like a real one.
 */
public final class ServiceCredentials {

    private final Map<String, ScramVerifier> verifiers = new HashMap<>();
    private final byte[] mockSecret = new byte[32];

    public ServiceCredentials(PgwardenConfig config) {
        new SecureRandom().nextBytes(mockSecret);
        for (ServiceConfig service : config.services().values()) {
            if (service.auth() == AuthMethod.SCRAM_SHA_256) {
                verifiers.put(service.name(), service.password().startsWith("SCRAM-SHA-256$")
                        ? ScramVerifier.parse(service.password())
                        : ScramVerifier.fromPassword(service.password()));
            }
        }
    }

    ScramVerifier verifier(ServiceConfig service) {
        return verifiers.get(service.name());
    }

    byte[] mockSecret() {
        return mockSecret;
    }
}
