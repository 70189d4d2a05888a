package io.pgwarden.audit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the database name out of a libpq connection string (a subscription's publisher), in either
 * form libpq takes: {@code host=... dbname='x y'} or {@code postgresql://host/dbname?...}.
 */
final class ConnInfo {

    private ConnInfo() {
    }

    static Optional<String> dbname(String conninfo) {
        if (conninfo == null) {
            return Optional.empty();
        }
        String text = conninfo.strip();
        if (text.startsWith("postgresql://") || text.startsWith("postgres://")) {
            return uriDbname(text);
        }
        return keywordDbname(text);
    }

    private static Optional<String> uriDbname(String uri) {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int query = rest.indexOf('?');
        String params = query < 0 ? "" : rest.substring(query + 1);
        String path = query < 0 ? rest : rest.substring(0, query);
        for (String param : params.split("&")) {
            if (param.startsWith("dbname=")) {
                return Optional.of(decode(param.substring("dbname=".length())));
            }
        }
        int slash = path.indexOf('/');
        return slash < 0 || slash == path.length() - 1 ? Optional.empty() : Optional.of(decode(path.substring(slash + 1)));
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** {@code keyword = value} pairs; a value is a word or single-quoted with backslash escapes. */
    private static Optional<String> keywordDbname(String text) {
        Optional<String> dbname = Optional.empty();
        int i = 0;
        while (i < text.length()) {
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int keyStart = i;
            while (i < text.length() && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            String key = text.substring(keyStart, i);
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= text.length() || text.charAt(i) != '=') {
                return dbname; // malformed: libpq would refuse it too
            }
            i++;
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '\'') {
                i++;
                while (i < text.length() && text.charAt(i) != '\'') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
                i++;
            } else {
                while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
            }
            if (key.equals("dbname")) {
                dbname = Optional.of(value.toString()); // the last one wins, as in libpq
            }
        }
        return dbname;
    }
}
