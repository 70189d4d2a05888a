package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.MetricsFixtures;
import io.pgwarden.metrics.PgwardenMetrics;
import io.pgwarden.protocol.MessageFrameDecoder;
import io.pgwarden.protocol.backend.Authentication;
import io.pgwarden.protocol.frontend.SslRequest;
import io.pgwarden.protocol.frontend.StartupMessage;
import io.pgwarden.protocol.frontend.StartupPacket;
import io.pgwarden.protocol.frontend.StartupPacketDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real clients against the console's wire format: psql and pgjdbc (simple query mode) read what
 * an {@link AdminSession} writes. A stand-in front door trusts every login, so this tests the
 * console's messages, not pgwarden's authentication.
 */
class AdminConsoleClientsIT {

    private static final FakeProxy PROXY = new FakeProxy();
    private static EventLoopGroup group;
    private static Channel server;

    /** SSLRequest: no. StartupMessage: AuthenticationOk, then the console. */
    private static final class TrustingFrontDoor extends SimpleChannelInboundHandler<StartupPacket> {
        private final AdminConsole console;

        TrustingFrontDoor(AdminConsole console) {
            this.console = console;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, StartupPacket packet) {
            if (packet == SslRequest.INSTANCE) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                return;
            }
            ctx.writeAndFlush(Authentication.ok(ctx.alloc()));
            String user = ((StartupMessage) packet).user();
            ctx.pipeline().replace("frames", "frames", new MessageFrameDecoder(AdminConsole.MAX_MESSAGE_LENGTH));
            ctx.pipeline().replace(this, "session", console.newSession(user));
        }
    }

    @BeforeAll
    static void start() throws InterruptedException {
        PgwardenConfig config = MetricsFixtures.config();
        AdminConsole console = new AdminConsole(config, PROXY, PROXY,
                new PgwardenMetrics(new SimpleMeterRegistry(), config), "pgwarden 9.9.9");
        PROXY.orders.clientsActive = 3;
        PROXY.orders.serversActive = 3;
        PROXY.orders.serversIdle = 1;
        group = new NioEventLoopGroup(1);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("frames", new StartupPacketDecoder())
                                .addLast("door", new TrustingFrontDoor(console));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    @AfterAll
    static void stop() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static Connection jdbc() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port()
                + "/pgwarden?user=ops&preferQueryMode=simple&sslmode=disable&connectTimeout=5&socketTimeout=10");
    }

    @Test
    void pgjdbcReadsShowPoolsWithTypedColumns() throws SQLException {
        try (Connection connection = jdbc(); Statement st = connection.createStatement();
             ResultSet rows = st.executeQuery("SHOW POOLS")) {
            ResultSetMetaData meta = rows.getMetaData();
            assertEquals(19, meta.getColumnCount(), "PgBouncer's 17 columns, then fair_share and throttled");
            assertEquals("cl_active", meta.getColumnName(3));
            assertEquals(Types.BIGINT, meta.getColumnType(3));
            assertEquals(Types.VARCHAR, meta.getColumnType(1));

            assertTrue(rows.next());
            assertEquals("orders", rows.getString("database"));
            assertEquals(3, rows.getInt("cl_active"));
            assertEquals(3, rows.getLong("sv_active"));
            assertEquals(1, rows.getInt("sv_idle"));
            assertEquals("session", rows.getString("pool_mode"));
            assertEquals(null, rows.getString("load_balance_hosts"));
            assertTrue(rows.next());
            assertEquals("payments", rows.getString("database"));
            assertTrue(!rows.next());
        }
    }

    @Test
    void pgjdbcSeesCommandErrorsAsSqlExceptionsAndGoesOn() throws SQLException {
        try (Connection connection = jdbc(); Statement st = connection.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery("SHOW TABLES"));
            assertEquals("42601", e.getSQLState());
            try (ResultSet rows = st.executeQuery("show version;")) {
                rows.next();
                assertEquals("pgwarden 9.9.9", rows.getString("version"));
            }
        }
    }

    @Test
    void pgjdbcInExtendedModeIsToldTheConsoleSpeaksOnlySimpleQueries() throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port()
                + "/pgwarden?user=ops&sslmode=disable&connectTimeout=5&socketTimeout=10");
             Statement st = connection.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery("SHOW POOLS"));
            assertEquals("08P01", e.getSQLState());
            assertTrue(e.getMessage().contains("the admin console speaks only the simple query protocol"), e.getMessage());
        }
    }

    @Test
    void psqlPrintsShowPoolsAndErrors() throws Exception {
        Assumptions.assumeTrue(new java.io.File("/usr/bin/psql").canExecute(), "psql is not installed");

        Result pools = psql("SHOW POOLS");
        assertEquals(0, pools.exitCode(), pools.output());
        assertEquals(List.of("orders|orders_owner|3|0|0|0|3|0|0|1|0|0|0|0|0|session||0.0|0",
                "payments|payments_owner|0|0|0|0|0|0|0|0|0|0|0|0|0|transaction||0.0|0"), pools.output().lines().toList());

        Result error = psql("SHOW NOTHING");
        assertTrue(error.output().contains("ERROR:  unknown SHOW argument \"nothing\""), error.output());
        assertEquals(1, error.exitCode());
    }

    private record Result(int exitCode, String output) {
    }

    private static Result psql(String command) throws IOException, InterruptedException {
        Process psql = new ProcessBuilder("psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "host=127.0.0.1 port=" + port() + " dbname=pgwarden user=ops sslmode=disable connect_timeout=5",
                "-c", command).redirectErrorStream(true).start();
        psql.getOutputStream().close();
        if (!psql.waitFor(20, TimeUnit.SECONDS)) {
            psql.destroyForcibly();
            throw new AssertionError("psql did not finish");
        }
        return new Result(psql.exitValue(), new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
