package io.pgwarden.admin;

import java.util.List;

/**
 * What a config reload did.
 *
 * @param success false when the file had an error: nothing changed
 * @param lines   the changes applied or kept back (one line each), or the file's errors; never a secret
 */
public record ReloadOutcome(boolean success, List<String> lines) {

    public ReloadOutcome {
        lines = List.copyOf(lines);
    }
}
