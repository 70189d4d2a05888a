package io.pgwarden.backend;

/**
 * Names of a server connection's pipeline handlers, in order:
 * <ol>
 *   <li>{@link #FRAMES} — cuts the byte stream into message frames</li>
 *   <li>{@link BackendLoginHandler#NAME} during login, then {@link #SERVER} — the {@link ServerConnection}</li>
 * </ol>
 */
public final class ServerPipeline {

    public static final String FRAMES = "frames";
    public static final String SERVER = "server";

    private ServerPipeline() {
    }
}
