package io.pgwarden.cli;

import io.pgwarden.auth.Md5Password;
import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.config.ServiceConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The JDBC URL and psql command a service would use to reach a database through pgwarden, ready to
 * copy. A password stored as a SCRAM verifier or md5 hash cannot be printed: {@code <password>}.
 *
 * @param host where pgwarden listens, as a client should dial it
 */
record ConnectionHints(String host, int port) {

    static final String PASSWORD_PLACEHOLDER = "<password>";

    /** A wildcard listen address is dialled on loopback; an IPv6 literal needs brackets in a URL. */
    static ConnectionHints forListener(String listenHost, int port) {
        String host = switch (listenHost) {
            case "", "*", "0.0.0.0", "::" -> "127.0.0.1";
            default -> listenHost;
        };
        return new ConnectionHints(host.contains(":") ? "[" + host + "]" : host, port);
    }

    String jdbcUrl(ServiceConfig service, String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + encode(database)
                + "?user=" + encode(service.name()) + "&password=" + password(service);
    }

    String psqlCommand(ServiceConfig service, String database) {
        return "psql \"postgresql://" + encode(service.name()) + ":" + password(service)
                + "@" + host + ":" + port + "/" + encode(database) + "\"";
    }

    private static String password(ServiceConfig service) {
        String password = service.password();
        boolean hashed = ScramVerifier.isVerifier(password) || Md5Password.isHash(password);
        return hashed ? PASSWORD_PLACEHOLDER : encode(password);
    }

    /**
     * Percent-encoding both pgjdbc and libpq decode. Everything but letters, digits and {@code .-*_}
     * is encoded, which also keeps the psql URL safe inside shell double quotes.
     */
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
