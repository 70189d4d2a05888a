package io.pgwarden.frontend;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.backend.BackendLoginException;
import io.pgwarden.backend.BackendUnavailableException;
import io.pgwarden.backend.InternalQuery;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.pool.PoolExhaustedException;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.TransactionStatus;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.backend.ParameterStatus;
import io.pgwarden.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The end of a login, the same in both pool modes: settings on a server, then what PostgreSQL sends last. */
final class LoginSteps {

    private static final Logger log = LoggerFactory.getLogger(LoginSteps.class);

    private LoginSteps() {
    }

    /**
     * Applies the client's startup settings on {@code server} (on the server's event loop); completes
     * on {@code client}'s loop with PostgreSQL's error if one was refused.
     */
    /**
     * Applies the client's startup settings on {@code server}. Completes, on the client's loop, with
     * null when they are in place, or with the error the client is to be told: PostgreSQL's own when
     * it refused a setting, {@link #failure} when the server connection failed.
     *
     * @param resetFirst start from the server's defaults: a transaction-mode server may carry
     *                   settings another client SET, which a new client must not inherit
     */
    static Future<ErrorResponse> applySettings(ServerConnection server, Map<String, String> settings, Channel client,
                                               DatabaseConfig database, boolean resetFirst) {
        Promise<ErrorResponse> result = client.eventLoop().newPromise();
        List<String> statements = new java.util.ArrayList<>(3);
        if (resetFirst) {
            // RESET ALL leaves the role alone: whoever used this server last may have changed it
            statements.add(io.pgwarden.backend.ServerSessionState.IDENTITY_RESET);
            statements.add("RESET ALL");
        }
        if (!settings.isEmpty()) {
            statements.add(SessionParameters.applyStatement(settings));
        }
        server.channel().eventLoop().execute(() -> {
            if (resetFirst) {
                server.sessionState().takeIdentityChange();
            }
            InternalQuery.run(server, statements).addListener(f -> {
                if (f.isSuccess()) {
                    @SuppressWarnings("unchecked")
                    Optional<ErrorResponse> error = (Optional<ErrorResponse>) f.getNow();
                    result.trySuccess(error.orElse(null));
                } else {
                    result.trySuccess(failure(database, f.cause()));
                }
            });
        });
        return result;
    }

    /** ParameterStatus for every setting, the cancel key, ReadyForQuery: the client may start. */
    static void sendReady(Channel client, Map<String, String> parameters, BackendKeyData key) {
        parameters.forEach((name, value) -> client.write(new ParameterStatus(name, value).encode(client.alloc())));
        client.write(key.encode(client.alloc()));
        client.writeAndFlush(ReadyForQuery.encode(client.alloc(), TransactionStatus.IDLE));
    }

    /** What the client is told when it could not get a working server connection. */
    static ErrorResponse failure(DatabaseConfig database, Throwable cause) {
        if (cause instanceof PoolExhaustedException) {
            return ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, cause.getMessage());
        }
        if (cause instanceof io.pgwarden.pool.DatabaseMovingException) {
            return ErrorResponse.fatal(SqlState.CANNOT_CONNECT_NOW, cause.getMessage()); // drivers and tools retry 57P03
        }
        if (cause instanceof BackendLoginException login) {
            // PostgreSQL's words name pgwarden's role (and its database): they go to the log, not to the client
            ErrorResponse refusal = login.error();
            log.warn("backend refused pgwarden's login for database \"{}\": {}", database.name(), refusal);
            String unavailable = "database \"" + database.name() + "\" is unavailable";
            return switch (refusal.sqlState()) {
                // the client may retry these: it keeps the SQLSTATE that says so
                case SqlState.TOO_MANY_CONNECTIONS -> ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS,
                        unavailable + ": its server has too many connections");
                case SqlState.CANNOT_CONNECT_NOW -> ErrorResponse.fatal(SqlState.CANNOT_CONNECT_NOW,
                        unavailable + ": its server is starting up or shutting down");
                default -> ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, unavailable);
            };
        }
        if (cause instanceof BackendUnavailableException) {
            log.warn("backend of database \"{}\" unavailable: {}", database.name(), cause.getMessage());
            return ErrorResponse.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                    "could not connect to the backend of database \"" + database.name() + "\": " + cause.getMessage());
        }
        log.warn("login to database \"{}\" failed", database.name(), cause);
        return ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, "pgwarden could not get a server connection for database \""
                + database.name() + "\"");
    }
}
