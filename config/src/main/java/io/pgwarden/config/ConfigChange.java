package io.pgwarden.config;

/**
 * One difference between the running config and a new file, as the reload applies and logs it.
 * Never carries a secret: a changed password is said to have changed, nothing more.
 *
 * @param kind    what changed
 * @param subject the service, database or backend it concerns ("" for the whole file)
 * @param object  the other name involved (the database of a grant), or ""
 * @param detail  what a person reads in the log: the keys and their old and new values
 */
public record ConfigChange(Kind kind, String subject, String object, String detail) {

    /** What a reload does about a change. */
    public enum Effect {
        /** Applied now. */
        LIVE,
        /** Kept as it was until pgwarden restarts. */
        NEEDS_RESTART
    }

    public enum Kind {
        SERVICE_ADDED(Effect.LIVE),
        SERVICE_REMOVED(Effect.LIVE),
        SERVICE_CREDENTIALS_CHANGED(Effect.LIVE),
        SERVICE_QUOTA_CHANGED(Effect.LIVE),
        GRANT_ADDED(Effect.LIVE),
        GRANT_REVOKED(Effect.LIVE),
        ADMIN_GRANTED(Effect.LIVE),
        ADMIN_REVOKED(Effect.LIVE),
        DATABASE_ADDED(Effect.LIVE),
        DATABASE_REMOVED(Effect.LIVE),
        /** The role or password pgwarden logs in with: new server connections use the new ones. */
        DATABASE_LOGIN_CHANGED(Effect.LIVE),
        POOL_SETTINGS_CHANGED(Effect.LIVE),
        /**
         * Another backend or dbname: the pool moves, new transactions held until its servers on the old
         * location are gone (move_timeout at most), then served on the new one. Applied now, finished later.
         */
        DATABASE_MOVED(Effect.LIVE),
        BACKEND_ADDED(Effect.LIVE),
        BACKEND_REMOVED(Effect.LIVE),
        BACKEND_BUDGET_CHANGED(Effect.LIVE),
        LIMITS_CHANGED(Effect.LIVE),
        LISTEN_TLS_CHANGED(Effect.LIVE),
        LIFECYCLE_CHANGED(Effect.LIVE),
        NEEDS_RESTART(Effect.NEEDS_RESTART);

        private final Effect effect;

        Kind(Effect effect) {
            this.effect = effect;
        }

        public Effect effect() {
            return effect;
        }
    }

    public ConfigChange {
        subject = subject == null ? "" : subject;
        object = object == null ? "" : object;
        detail = detail == null ? "" : detail;
    }

    public boolean live() {
        return kind.effect() == Effect.LIVE;
    }

    /** The log line: one per change. */
    public String describe() {
        String what = switch (kind) {
            case SERVICE_ADDED -> "service \"" + subject + "\" added";
            case SERVICE_REMOVED -> "service \"" + subject + "\" removed: its clients are ended at the end of their transaction";
            case SERVICE_CREDENTIALS_CHANGED -> "service \"" + subject + "\": " + detail + " (new logins)";
            case SERVICE_QUOTA_CHANGED -> "service \"" + subject + "\": " + detail;
            case GRANT_ADDED -> "service \"" + subject + "\" granted database \"" + object + "\"";
            case GRANT_REVOKED -> "service \"" + subject + "\" no longer granted database \"" + object
                    + "\": its clients there are ended at the end of their transaction";
            case ADMIN_GRANTED -> "service \"" + subject + "\" may open the admin console";
            case ADMIN_REVOKED -> "service \"" + subject + "\" may no longer open the admin console";
            case DATABASE_ADDED -> "database \"" + subject + "\" added (" + detail + ")";
            case DATABASE_REMOVED -> "database \"" + subject
                    + "\" removed: new logins refused, its clients ended at the end of their transaction, its servers closed";
            case DATABASE_LOGIN_CHANGED -> "database \"" + subject + "\": " + detail
                    + " (new server connections; open ones are closed when next idle)";
            case POOL_SETTINGS_CHANGED -> "database \"" + subject + "\": " + detail;
            case DATABASE_MOVED -> "database \"" + subject + "\": " + detail
                    + ": moving (new transactions are held until its open ones end, move_timeout at most)";
            case BACKEND_ADDED -> "backend \"" + subject + "\" added";
            case BACKEND_REMOVED -> "backend \"" + subject + "\" removed";
            case BACKEND_BUDGET_CHANGED -> "backend \"" + subject + "\": " + detail + " (the budget is divided again)";
            case LIMITS_CHANGED -> detail;
            case LISTEN_TLS_CHANGED -> "listen.tls: " + detail + " (new connections)";
            case LIFECYCLE_CHANGED -> detail;
            case NEEDS_RESTART -> detail + ": needs restart, not applied";
        };
        return what;
    }
}
