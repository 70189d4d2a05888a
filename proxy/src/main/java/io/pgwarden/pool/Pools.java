package io.pgwarden.pool;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.pgwarden.Transport;
import io.pgwarden.backend.BackendConnector;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** One {@link DatabasePool} per configured database. */
public final class Pools implements AutoCloseable {

    private final Map<String, DatabasePool> byDatabase = new LinkedHashMap<>();

    public Pools(PgwardenConfig config, Transport transport, EventLoopGroup loops, WriteBufferWaterMark waterMark) {
        Map<String, BackendConnector> connectors = new LinkedHashMap<>();
        config.backends().forEach((name, backend) -> connectors.put(name, new BackendConnector(backend, transport, waterMark)));
        for (DatabaseConfig database : config.databases().values()) {
            byDatabase.put(database.name(), new DatabasePool(database, connectors.get(database.backend()), loops));
        }
    }

    public DatabasePool pool(String database) {
        DatabasePool pool = byDatabase.get(database);
        if (pool == null) {
            throw new IllegalArgumentException("no pool for database " + database);
        }
        return pool;
    }

    public Collection<DatabasePool> all() {
        return byDatabase.values();
    }

    @Override
    public void close() {
        byDatabase.values().forEach(DatabasePool::close);
    }
}
