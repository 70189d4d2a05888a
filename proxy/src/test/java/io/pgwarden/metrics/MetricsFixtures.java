package io.pgwarden.metrics;

import io.pgwarden.config.ConfigException;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;

/** A small routing file and a settable {@link PoolView} for the metrics and admin tests. */
public final class MetricsFixtures {

    /** Two databases on one backend, three services, one of them an admin. */
    public static final String CONFIG = """
            backends:
              main: {host: 127.0.0.1, port: 5432, sample_interval: 0}
            databases:
              orders:   {backend: main, dbname: orders_db, user: orders_owner, pool_size: 4, min_idle: 1}
              payments: {backend: main, dbname: payments_db, user: payments_owner, pool_mode: transaction}
            services:
              orders-service: {password: orders-pw, databases: [orders]}
              reporting-service: {password: reporting-pw, databases: [orders, payments]}
              ops: {password: ops-pw}
            admin_services: [ops]
            """;

    private MetricsFixtures() {
    }

    public static PgwardenConfig config() {
        try {
            return ConfigLoader.parse(CONFIG, "metrics-test.yaml", name -> null);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A pool view whose counts a test sets directly. */
    public static final class FixedPoolView implements PoolView {
        private final String database;
        private final String backend;
        public volatile int poolSize;
        public volatile int clientsActive;
        public volatile int clientsWaiting;
        public volatile int clientsIdle;
        public volatile int serversActive;
        public volatile int serversIdle;
        public volatile int serversLogin;
        public volatile int serversTested;
        public volatile long maxWaitNanos;

        public FixedPoolView(String database, String backend, int poolSize) {
            this.database = database;
            this.backend = backend;
            this.poolSize = poolSize;
        }

        @Override
        public String database() {
            return database;
        }

        @Override
        public String backend() {
            return backend;
        }

        @Override
        public int poolSize() {
            return poolSize;
        }

        @Override
        public int clientsActive() {
            return clientsActive;
        }

        @Override
        public int clientsWaiting() {
            return clientsWaiting;
        }

        @Override
        public int clientsIdle() {
            return clientsIdle;
        }

        @Override
        public int serversActive() {
            return serversActive;
        }

        @Override
        public int serversIdle() {
            return serversIdle;
        }

        @Override
        public int serversLogin() {
            return serversLogin;
        }

        @Override
        public int serversTested() {
            return serversTested;
        }

        @Override
        public long maxWaitNanos() {
            return maxWaitNanos;
        }
    }
}
