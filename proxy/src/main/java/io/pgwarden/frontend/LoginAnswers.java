package io.pgwarden.frontend;

import io.pgwarden.config.DatabaseConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL's answers to transaction-mode logins, so that a login need not take a server from the
 * pool: for a database and a set of startup settings, the ParameterStatus values a server reported
 * once those settings were applied on it from its defaults. A client whose settings were answered in
 * the last {@link #MAX_AGE_NANOS} gets that answer, as PostgreSQL would give it, and its first
 * transaction brings the settings to whichever server it runs on. Settings not answered yet are tried
 * on a server as before, so a setting PostgreSQL refuses is refused with PostgreSQL's own error; a
 * refusal is never remembered.
 *
 * <p>Clients of one application send the same startup packet, except perhaps {@code application_name}:
 * a printable-ASCII application_name is reported exactly as sent (PostgreSQL only rewrites other
 * bytes), so it is not part of the key and the answer carries the client's own.
 *
 * <p>The database's config is part of the key: a reload that changes it (another backend, role or
 * dbname) asks PostgreSQL again. What changes behind pgwarden (ALTER DATABASE ... SET, an upgrade) is
 * seen within {@link #MAX_AGE_NANOS}. Thread-safe: logins run on every client loop.
 */
public final class LoginAnswers {

    static final long MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Past this many answers, all are forgotten: distinct startup packets are few unless something is odd. */
    static final int MAX_ANSWERS = 512;
    private static final String APPLICATION_NAME = "application_name";
    /** Stands for any printable-ASCII application_name in a key. */
    private static final String ANY_PRINTABLE = "\0printable";

    /** The settings as names and values in the order they are applied: a later one may override an earlier one. */
    private record Key(DatabaseConfig database, List<String> settings) {
    }

    private record Answer(Map<String, String> parameters, long answeredAt) {
    }

    private final ConcurrentHashMap<Key, Answer> answers = new ConcurrentHashMap<>();

    /** PostgreSQL's answer to these settings, if it gave one in the last minute; {@code now} from {@link System#nanoTime()}. */
    Optional<Map<String, String>> answer(DatabaseConfig database, Map<String, String> settings, long now) {
        Answer answer = answers.get(key(database, settings));
        if (answer == null || now - answer.answeredAt() > MAX_AGE_NANOS) {
            return Optional.empty();
        }
        String applicationName = settings.get(APPLICATION_NAME);
        if (applicationName == null || applicationName.equals(answer.parameters().get(APPLICATION_NAME))) {
            return Optional.of(answer.parameters());
        }
        Map<String, String> parameters = new LinkedHashMap<>(answer.parameters());
        parameters.put(APPLICATION_NAME, applicationName);
        return Optional.of(parameters);
    }

    /** What a server reported after these settings were applied on it, from its defaults. */
    void record(DatabaseConfig database, Map<String, String> settings, Map<String, String> parameters, long now) {
        if (answers.size() >= MAX_ANSWERS) {
            answers.clear();
        }
        answers.put(key(database, settings), new Answer(Collections.unmodifiableMap(new LinkedHashMap<>(parameters)), now));
    }

    private static Key key(DatabaseConfig database, Map<String, String> settings) {
        List<String> flat = new ArrayList<>(settings.size() * 2);
        settings.forEach((name, value) -> {
            flat.add(name);
            flat.add(name.equals(APPLICATION_NAME) && printableAscii(value) ? ANY_PRINTABLE : value);
        });
        return new Key(database, flat);
    }

    /** PostgreSQL keeps an application_name of bytes 32 to 126 as it is (check_application_name, pg_clean_ascii). */
    static boolean printableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }
}
