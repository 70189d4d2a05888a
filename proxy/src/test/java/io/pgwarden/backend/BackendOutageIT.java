package io.pgwarden.backend;

import io.pgwarden.Pgwarden;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.Provisioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the backend is down pgwarden says so quickly and clearly, keeps running, and recovers by itself. */
class BackendOutageIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              orders: {backend: main, dbname: orders_db, user: orders_owner, password: orders-db-pw, server_connect_timeout: 2s}
            services:
              orders-service: {password: orders-pw, databases: [orders]}
            """;

    private static PgwardenConfig config(int port) throws Exception {
        return ConfigLoader.parse(CONFIG, "outage.yaml", Map.of("PG_PORT", String.valueOf(port))::get);
    }

    private static Connection connect(Pgwarden pgwarden) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/orders?connectTimeout=10&socketTimeout=20",
                "orders-service", "orders-pw");
    }

    @Test
    void aStoppedBackendGivesAClearErrorAndPgwardenRecoversWhenItIsBack(@TempDir Path dir) throws Exception {
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, dir.resolve("data"));
        int port = postgres.port();
        PgwardenConfig config = config(port);
        new Provisioner().provision(config);
        try (Pgwarden pgwarden = new Pgwarden(config).start()) {
            Connection before = connect(pgwarden);
            assertEquals(1, selectOne(before));
            postgres.close();

            SQLException lost = assertThrows(SQLException.class, () -> selectOne(before));
            assertTrue(lost.getSQLState().startsWith("08") || lost.getSQLState().startsWith("57P"), lost.getSQLState());
            before.close();

            long start = System.nanoTime();
            SQLException down = assertThrows(SQLException.class, () -> connect(pgwarden).close());
            assertEquals("08001", down.getSQLState(), down.getMessage());
            assertTrue(down.getMessage().contains("\"orders\""), down.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "within server_connect_timeout");

            postgres = EmbeddedPostgresServer.start(port, dir.resolve("data"));
            try (Connection after = connect(pgwarden)) {
                assertEquals(1, selectOne(after), "pgwarden recovered by itself");
            }
        } finally {
            postgres.close();
        }
    }

    @Test
    void aBackendThatAcceptsButNeverAnswersTimesOutWithinServerConnectTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.start();
            try (Pgwarden pgwarden = new Pgwarden(config(silent.getLocalPort())).start()) {
                long start = System.nanoTime();
                SQLException e = assertThrows(SQLException.class, () -> connect(pgwarden).close());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals("08001", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("server_connect_timeout"), e.getMessage());
                assertTrue(millis >= 1500 && millis < 6000, "gave up after " + millis + " ms");
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    private static int selectOne(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
