package io.pgwarden.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One console command, parsed from a simple Query: a keyword, case-insensitive, and at most one
 * argument (a database name, bare or in double quotes, kept as written). Trailing semicolons and
 * blanks are ignored; a second command in the same query is an error.
 *
 * @param verb     the keyword
 * @param argument SHOW: what to show, lower case; PAUSE/RESUME/RECONNECT/KILL: the database, or
 *                 null for all; SHUTDOWN: wait_for_clients, wait_for_servers or null (at once); otherwise null
 */
record AdminCommand(Verb verb, String argument) {

    enum Verb { SHOW, PAUSE, RESUME, RECONNECT, KILL, DISABLE, ENABLE, WAIT_CLOSE, SHUTDOWN, RELOAD, SET, EMPTY }

    static AdminCommand parse(String query) throws AdminException {
        String command = trimEnd(query).strip();
        if (isSet(command)) {
            // drivers set session parameters on connect (pgjdbc: extra_float_digits); PgBouncer ignores them too
            return new AdminCommand(Verb.SET, null);
        }
        List<String> words = words(command);
        if (words.isEmpty()) {
            return new AdminCommand(Verb.EMPTY, null);
        }
        String keyword = words.get(0).toUpperCase(Locale.ROOT);
        List<String> arguments = words.subList(1, words.size());
        return switch (keyword) {
            case "SHOW" -> new AdminCommand(Verb.SHOW, exactlyOne(keyword, arguments).toLowerCase(Locale.ROOT));
            case "PAUSE", "RESUME", "RECONNECT", "WAIT_CLOSE" -> new AdminCommand(Verb.valueOf(keyword), atMostOne(keyword, arguments));
            case "KILL", "DISABLE", "ENABLE" -> new AdminCommand(Verb.valueOf(keyword), exactlyOne(keyword, arguments));
            case "RELOAD" -> {
                none(keyword, arguments);
                yield new AdminCommand(Verb.RELOAD, null);
            }
            case "SHUTDOWN" -> new AdminCommand(Verb.SHUTDOWN, shutdownMode(atMostOne(keyword, arguments)));
            default -> throw new AdminException(AdminException.SYNTAX_ERROR,
                    "unknown command \"" + words.get(0) + "\"; SHOW HELP lists the commands");
        };
    }

    /** SHUTDOWN's argument: none (at once), WAIT_FOR_CLIENTS or WAIT_FOR_SERVERS (PgBouncer 1.23's), lower case. */
    private static String shutdownMode(String argument) throws AdminException {
        if (argument == null) {
            return null;
        }
        String mode = argument.toLowerCase(Locale.ROOT);
        if (!mode.equals(WAIT_FOR_CLIENTS) && !mode.equals(WAIT_FOR_SERVERS)) {
            throw new AdminException(AdminException.SYNTAX_ERROR,
                    "SHUTDOWN takes no argument, WAIT_FOR_CLIENTS or WAIT_FOR_SERVERS, not \"" + argument + "\"");
        }
        return mode;
    }

    static final String WAIT_FOR_CLIENTS = "wait_for_clients";
    static final String WAIT_FOR_SERVERS = "wait_for_servers";

    /** SET and whatever follows, even quoted semicolons: it is ignored anyway. */
    private static boolean isSet(String command) {
        return command.regionMatches(true, 0, "SET", 0, 3)
                && (command.length() == 3 || Character.isWhitespace(command.charAt(3)));
    }

    private static String trimEnd(String query) {
        int end = query.length();
        while (end > 0 && (Character.isWhitespace(query.charAt(end - 1)) || query.charAt(end - 1) == ';')) {
            end--;
        }
        return query.substring(0, end);
    }

    /** Splits on blanks; a double-quoted word may hold blanks and {@code ""} for a quote. */
    private static List<String> words(String text) throws AdminException {
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == ';') {
                throw new AdminException(AdminException.SYNTAX_ERROR, "the admin console runs one command per query");
            } else if (c == '"') {
                StringBuilder word = new StringBuilder();
                i++;
                while (true) {
                    if (i >= text.length()) {
                        throw new AdminException(AdminException.SYNTAX_ERROR, "unterminated quoted name");
                    }
                    if (text.charAt(i) == '"') {
                        if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                            word.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    word.append(text.charAt(i++));
                }
                words.add(word.toString());
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != ';') {
                    i++;
                }
                words.add(text.substring(start, i));
            }
        }
        return words;
    }

    private static String exactlyOne(String keyword, List<String> arguments) throws AdminException {
        if (arguments.size() != 1) {
            throw new AdminException(AdminException.SYNTAX_ERROR, keyword.equals("SHOW")
                    ? "SHOW needs one argument, e.g. SHOW POOLS; SHOW HELP lists them"
                    : keyword + " needs one database name");
        }
        return arguments.get(0);
    }

    private static String atMostOne(String keyword, List<String> arguments) throws AdminException {
        if (arguments.size() > 1) {
            throw new AdminException(AdminException.SYNTAX_ERROR, keyword + " takes at most one database name");
        }
        return arguments.isEmpty() ? null : arguments.get(0);
    }

    private static void none(String keyword, List<String> arguments) throws AdminException {
        if (!arguments.isEmpty()) {
            throw new AdminException(AdminException.SYNTAX_ERROR, keyword + " takes no arguments");
        }
    }
}
