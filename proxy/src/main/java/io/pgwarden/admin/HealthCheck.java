package io.pgwarden.admin;

import io.pgwarden.metrics.InstanceSampler;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** One condition of {@code /health/ready}: empty when fine, else what is wrong, for the response body. */
@FunctionalInterface
public interface HealthCheck {

    Optional<String> problem();

    /** The client listener is bound. */
    static HealthCheck listening(BooleanSupplier listening) {
        return () -> listening.getAsBoolean() ? Optional.empty() : Optional.of("not listening for clients");
    }

    /** Every sampled backend is up or within its retry window (see {@link InstanceSampler#unreadyBackends()}). */
    static HealthCheck backends(InstanceSampler sampler) {
        return () -> {
            List<String> unready = sampler.unreadyBackends();
            return unready.isEmpty() ? Optional.empty()
                    : Optional.of("backends unreachable beyond their retry window: " + String.join(", ", unready));
        };
    }
}
