package io.pgwarden.metrics;

/**
 * Label names and the closed sets of label values. Every value a label can take is either one of
 * these constants or a name from the config, so no client can add a time series.
 */
public final class Labels {

    public static final String DATABASE = "database";
    public static final String BACKEND = "backend";
    public static final String SERVICE = "service";
    public static final String STATE = "state";
    public static final String DIRECTION = "direction";
    public static final String RESULT = "result";
    public static final String REASON = "reason";
    public static final String LIMIT = "limit";
    /** What a login throttle counts by: {@code service} or {@code address}. */
    public static final String KEY = "key";
    public static final String SQLSTATE_CLASS = "sqlstate_class";
    /** Isolation audit: a finding's severity ({@code high}, {@code medium}, {@code low}) and kind. */
    public static final String SEVERITY = "severity";
    public static final String KIND = "kind";

    /** A name the client sent that the config does not know. */
    public static final String UNKNOWN = "unknown";
    public static final String SUCCESS = "success";
    public static final String FAILURE = "failure";
    /** Instance sampling: a database on the backend that pgwarden does not route to. */
    public static final String OTHER = "other";

    public static final String CLIENT_TO_SERVER = "client_to_server";
    public static final String SERVER_TO_CLIENT = "server_to_client";

    // client states
    public static final String ACTIVE = "active";
    public static final String WAITING = "waiting";
    public static final String IDLE = "idle";
    // server states (active and idle as above)
    public static final String LOGIN = "login";
    public static final String TESTED = "tested";

    private Labels() {
    }
}
