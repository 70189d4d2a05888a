package io.pgwarden.admin;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.audit.PeriodicAudit;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.InstanceSampler;
import io.pgwarden.metrics.JvmAndProcessMetrics;
import io.pgwarden.metrics.PgwardenMetrics;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

/**
 * Everything load reporting runs, for one pgwarden: the Prometheus registry with JVM and process
 * metrics, pgwarden's own meters, the instance sampler, the periodic isolation audit (when
 * {@code audit.interval} is set) and the HTTP endpoint. Two steps, because
 * the pools need the meters and the endpoint needs the pools:
 * <pre>
 *   Observability observability = Observability.create(config);   // meters exist
 *   ... build the pools with observability.metrics() ...
 *   observability.start(view, () -> listening);                    // sampler and HTTP run
 *   ...
 *   observability.close();                                         // after the pools
 * </pre>
 */
public final class Observability implements AutoCloseable {

    private final PgwardenConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmAndProcessMetrics jvm = new JvmAndProcessMetrics(registry);
    private final PgwardenMetrics metrics;
    private final InstanceSampler sampler;
    /** Null without {@code audit.interval}. */
    private final PeriodicAudit audit;
    private HttpEndpoint http;

    private Observability(PgwardenConfig config) {
        this.config = config;
        this.metrics = new PgwardenMetrics(registry, config);
        this.sampler = new InstanceSampler(config, registry);
        this.audit = config.audit().enabled() ? new PeriodicAudit(config, registry) : null;
    }

    public static Observability create(PgwardenConfig config) {
        return new Observability(config);
    }

    /**
     * Starts sampling and, when the config has {@code http:}, the endpoint.
     *
     * @param view      the pools, for {@code /pools}
     * @param listening whether the client listener is bound, for {@code /health/ready}
     */
    public Observability start(AdminView view, BooleanSupplier listening) throws InterruptedException {
        return start(view, listening, () -> false);
    }

    /** @param shuttingDown true from a SIGTERM on: {@code /health/ready} answers 503 at once */
    public Observability start(AdminView view, BooleanSupplier listening, BooleanSupplier shuttingDown) throws InterruptedException {
        sampler.start();
        if (audit != null) {
            audit.start();
        }
        if (config.http().enabled()) {
            HttpRoutes routes = new HttpRoutes(registry,
                    List.of(HealthCheck.shuttingDown(shuttingDown), HealthCheck.listening(listening), HealthCheck.backends(sampler)),
                    () -> PoolTables.pools(config, view.pools()));
            http = HttpEndpoint.start(config.http(), routes);
        }
        return this;
    }

    public PgwardenMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public InstanceSampler sampler() {
        return sampler;
    }

    /** The periodic isolation audit; empty without {@code audit.interval}. */
    public java.util.Optional<PeriodicAudit> audit() {
        return java.util.Optional.ofNullable(audit);
    }

    /** The HTTP port actually bound; empty without an {@code http:} section or before {@link #start}. */
    public OptionalInt httpPort() {
        return http == null ? OptionalInt.empty() : OptionalInt.of(http.port());
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        sampler.close();
        if (audit != null) {
            audit.close();
        }
        jvm.close();
        registry.close();
    }
}
