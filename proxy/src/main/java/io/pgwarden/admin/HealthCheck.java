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
    /** pgwarden is shutting down: load balancers must stop sending it clients. */
    static HealthCheck shuttingDown(BooleanSupplier shuttingDown) {
        return () -> shuttingDown.getAsBoolean() ? Optional.of("shutting down") : Optional.empty();
    }

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
