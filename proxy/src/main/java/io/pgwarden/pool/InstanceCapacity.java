package io.pgwarden.pool;

import io.pgwarden.backend.AdminConnector;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.metrics.InstanceQueries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.time.Duration;

/**
 * How many server connections pgwarden may hold on an instance: the configured
 * {@code max_connections}, or what the instance allows ordinary roles minus {@code headroom}.
 */
final class InstanceCapacity {

    private static final Logger log = LoggerFactory.getLogger(InstanceCapacity.class);

    private InstanceCapacity() {
    }

    static int of(BackendConfig backend, List<DatabaseConfig> databases) {
        int capacity = backend.maxConnections() > 0 ? backend.maxConnections() : read(backend, databases);
        int minimums = databases.stream().mapToInt(d -> d.pool().minConnections()).sum();
        if (minimums > capacity) {
            throw new IllegalStateException("backend \"" + backend.name() + "\" allows pgwarden " + capacity
                    + " connections, less than the min_connections of its databases together (" + minimums + ")");
        }
        return capacity;
    }

    private static int read(BackendConfig backend, List<DatabaseConfig> databases) {
        try (Connection connection = AdminConnector.pgjdbc("pgwarden budget", Duration.ofSeconds(5)).connect(backend);
             Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(InstanceQueries.CONNECTION_LIMIT)) {
            rs.next();
            int capacity = Math.max(1, rs.getInt(1) - backend.headroom());
            log.info("backend \"{}\": connection budget {} (from the instance, headroom {})", backend.name(), capacity,
                    backend.headroom());
            return capacity;
        } catch (SQLException e) {
            int unlimited = databases.stream().mapToInt(d -> d.pool().size() + d.pool().reservePool()).sum();
            log.warn("backend \"{}\": could not read max_connections ({}); the budget is the sum of its pools ({}) "
                    + "until restart: set backends.{}.max_connections to enforce one", backend.name(), e.getMessage(),
                    unlimited, backend.name());
            return Math.max(1, unlimited);
        }
    }
}
