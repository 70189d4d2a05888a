package io.pgwarden.bench.load;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a simulated client gets a connection for one transaction and gives it back: a HikariCP
 * pool (what a service does) or a fixed ring of open connections (many mostly idle clients).
 */
public interface ConnectionSource extends AutoCloseable {

    Connection acquire() throws SQLException, InterruptedException;

    void release(Connection connection) throws SQLException;

    @Override
    void close();
}
