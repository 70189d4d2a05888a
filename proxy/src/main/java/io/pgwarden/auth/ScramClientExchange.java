package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The client side of one SCRAM-SHA-256 exchange, as libpq runs it: pgwarden logging in to
 * PostgreSQL, with an empty user name, as libpq sends: the server takes the user from the startup
 * packet. Channel binding as libpq's {@code channel_binding=prefer} (see {@link #forOffer}): over
 * TLS, SCRAM-SHA-256-PLUS bound to the server's certificate ({@code p=tls-server-end-point}) when
 * the server offers it, else {@code y} (the client could bind, the server did not offer it);
 * without TLS {@code n}.
 *
 * <pre>
 * READY --clientFirstMessage--> AWAITING_SERVER_FIRST --readServerFirst--> AWAITING_KEYS
 *       --clientFinalMessage--> AWAITING_SERVER_FINAL --handleServerFinal--> SUCCEEDED
 *       any failure (an AuthenticationFailedException) --> FAILED
 * </pre>
 *
 * Between server-first and client-final the keys are derived from the password (PBKDF2), which
 * takes milliseconds unless the {@link ScramKeyCache} has them: {@link #readServerFirst} returns a
 * stage to wait on, so that an event loop can go on with other work meanwhile;
 * {@link #handleServerFirst} does both steps for callers that may block.
 *
 * Ends in SUCCEEDED only once the server has proved it knows the password too. Not thread-safe:
 * every step on the owner's thread (the stage of readServerFirst may complete on another).
 */
public final class ScramClientExchange {

    /** The mechanism name to pick from AuthenticationSASL and send in SASLInitialResponse. */
    public static final String MECHANISM = ScramFunctions.MECHANISM;

    public enum State {
        READY,
        AWAITING_SERVER_FIRST,
        AWAITING_KEYS,
        AWAITING_SERVER_FINAL,
        SUCCEEDED,
        FAILED
    }

    /** The -PLUS mechanism: SCRAM-SHA-256 bound to the TLS channel. */
    public static final String MECHANISM_PLUS = ScramFunctions.MECHANISM_PLUS;

    private static final String NO_BINDING = "n,,";

    private final String password;
    private final ScramKeyCache keyCache;
    private final String clientFirstBare;
    private final String clientNonce;
    private final String mechanism;
    /** gs2-header: {@code n,,}, {@code y,,} or {@code p=tls-server-end-point,,}. */
    private final String gs2Header;
    /** client-final-message's {@code c=}: base64 of the GS2 header, and of the binding data with -PLUS. */
    private final String bindingAttribute;

    private State state = State.READY;
    /** From server-first-message to client-final-message: what the proof signs, and the keys to sign it with. */
    private String clientFinalWithoutProof;
    private byte[] authMessage;
    private CompletableFuture<ScramKeyCache.Keys> keys;
    private byte[] expectedServerSignature;

    /**
     * An exchange that proves {@code password} (after SASLprep, see {@link SaslPrep}).
     *
     * @throws IllegalArgumentException if the password is empty (libpq refuses to send one)
     */
    public ScramClientExchange(String password) {
        this(password, new ScramKeyCache());
    }

    /** An exchange that takes the keys derived from the password from {@code keyCache} when it has them. */
    public ScramClientExchange(String password, ScramKeyCache keyCache) {
        this(password, "", ScramFunctions::randomNonce, keyCache, MECHANISM, NO_BINDING, new byte[0]);
    }

    /**
     * The exchange libpq would run for the mechanisms the server offers ({@code channel_binding=prefer}):
     * SCRAM-SHA-256-PLUS when the connection is TLS and the server offers it, else SCRAM-SHA-256
     * (flagged {@code y} over TLS, so that a server that stripped -PLUS from the offer is caught).
     *
     * @throws AuthenticationFailedException if the server offers neither
     */
    public static ScramClientExchange forOffer(String password, ScramKeyCache keyCache, java.util.List<String> offered,
                                               ChannelBinding channel) throws AuthenticationFailedException {
        if (channel.available() && offered.contains(MECHANISM_PLUS)) {
            return new ScramClientExchange(password, "", ScramFunctions::randomNonce, keyCache, MECHANISM_PLUS,
                    "p=" + ChannelBinding.TYPE + ",,", channel.data());
        }
        if (!offered.contains(MECHANISM)) {
            throw new AuthenticationFailedException("backend offers no SASL mechanism pgwarden speaks: " + offered);
        }
        return new ScramClientExchange(password, "", ScramFunctions::randomNonce, keyCache, MECHANISM,
                channel.available() ? "y,," : NO_BINDING, new byte[0]);
    }

    /** For tests: the exchange {@link #forOffer} picks, with a given nonce. */
    static ScramClientExchange forOffer(String password, java.util.List<String> offered, ChannelBinding channel,
                                        Supplier<String> nonces) throws AuthenticationFailedException {
        ScramClientExchange picked = forOffer(password, new ScramKeyCache(), offered, channel);
        return new ScramClientExchange(password, "", nonces, new ScramKeyCache(), picked.mechanism, picked.gs2Header,
                picked.mechanism.equals(MECHANISM_PLUS) ? channel.data() : new byte[0]);
    }

    /**
     * For tests (the RFC 7677 example names its user): {@code userName} goes into
     * client-first-message, {@code nonces} supplies the client nonce (printable, no comma).
     */
    ScramClientExchange(String password, String userName, Supplier<String> nonces) {
        this(password, userName, nonces, new ScramKeyCache(), MECHANISM, NO_BINDING, new byte[0]);
    }

    private ScramClientExchange(String password, String userName, Supplier<String> nonces, ScramKeyCache keyCache,
                                String mechanism, String gs2Header, byte[] bindingData) {
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("an empty password cannot be used for SCRAM");
        }
        this.password = password;
        this.keyCache = Objects.requireNonNull(keyCache, "keyCache");
        this.clientNonce = nonces.get();
        this.clientFirstBare = "n=" + escapeSaslName(userName) + ",r=" + clientNonce;
        this.mechanism = mechanism;
        this.gs2Header = gs2Header;
        byte[] header = gs2Header.getBytes(StandardCharsets.US_ASCII);
        byte[] binding = java.util.Arrays.copyOf(header, header.length + bindingData.length);
        System.arraycopy(bindingData, 0, binding, header.length, bindingData.length);
        this.bindingAttribute = "c=" + Base64.getEncoder().encodeToString(binding);
    }

    /** The mechanism to name in SASLInitialResponse. */
    public String mechanism() {
        return mechanism;
    }

    public State state() {
        return state;
    }

    /** The client-first-message for SASLInitialResponse: e.g. {@code n,,n=,r=<nonce>}. */
    public byte[] clientFirstMessage() {
        requireState(State.READY);
        state = State.AWAITING_SERVER_FIRST;
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Takes server-first-message (from AuthenticationSASLContinue) and asks the key cache for the
     * keys the password gives with its salt. The returned stage is already complete when the cache
     * has them; otherwise it completes on the cache's executor once PBKDF2 is done (or fails if the
     * derivation could not run). When it has succeeded, call {@link #clientFinalMessage()}.
     */
    public CompletableFuture<Void> readServerFirst(byte[] serverFirstMessage) throws AuthenticationFailedException {
        Objects.requireNonNull(serverFirstMessage, "serverFirstMessage");
        requireState(State.AWAITING_SERVER_FIRST);
        state = State.FAILED; // until this step has succeeded
        ScramAttributeReader reader = new ScramAttributeReader(serverFirstMessage, "server-first-message");
        String nonce = reader.readNonce();
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw reader.malformed("the server nonce does not extend the client nonce");
        }
        byte[] salt = reader.readBase64('s');
        if (salt.length == 0) {
            throw reader.malformed("the salt is empty");
        }
        int iterations = parseIterations(reader, reader.read('i'));
        while (reader.hasMore()) {
            reader.readAny(); // optional extensions, none supported
        }

        clientFinalWithoutProof = bindingAttribute + ",r=" + nonce;
        authMessage = ScramFunctions.authMessage(clientFirstBare.getBytes(StandardCharsets.UTF_8),
                serverFirstMessage, clientFinalWithoutProof.getBytes(StandardCharsets.US_ASCII));
        keys = keyCache.keys(password, salt, iterations);
        state = State.AWAITING_KEYS;
        return keys.thenApply(derived -> null);
    }

    /**
     * client-final-message for SASLResponse, with the proof signed by the keys that the stage of
     * {@link #readServerFirst} waited for.
     *
     * @throws IllegalStateException if that stage has not completed successfully
     */
    public byte[] clientFinalMessage() {
        requireState(State.AWAITING_KEYS);
        if (!keys.isDone() || keys.isCompletedExceptionally()) {
            throw new IllegalStateException("the SCRAM keys are not derived" + (keys.isDone() ? ": the derivation failed" : " yet"));
        }
        ScramKeyCache.Keys derived = keys.join();
        byte[] clientSignature = ScramFunctions.hmac(ScramFunctions.sha256(derived.clientKey()), authMessage);
        byte[] proof = ScramFunctions.xor(derived.clientKey(), clientSignature);
        expectedServerSignature = ScramFunctions.hmac(derived.serverKey(), authMessage);
        byte[] clientFinal = (clientFinalWithoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                .getBytes(StandardCharsets.US_ASCII);
        authMessage = null;
        keys = null;
        state = State.AWAITING_SERVER_FINAL;
        return clientFinal;
    }

    /**
     * {@link #readServerFirst} and {@link #clientFinalMessage}, waiting on the calling thread for
     * the keys (PBKDF2: milliseconds of CPU, unless the key cache has them for this salt). Not on an
     * event loop.
     */
    public byte[] handleServerFirst(byte[] serverFirstMessage) throws AuthenticationFailedException {
        CompletableFuture<Void> derived = readServerFirst(serverFirstMessage);
        try {
            derived.join();
        } catch (CompletionException | CancellationException e) {
            state = State.FAILED;
            throw new IllegalStateException("could not derive the SCRAM keys", e.getCause() != null ? e.getCause() : e);
        }
        return clientFinalMessage();
    }

    /**
     * Takes server-final-message (from AuthenticationSASLFinal) and checks the server's signature.
     *
     * @throws AuthenticationFailedException if the server reports an error ({@code e=}) or does
     *                                       not prove it knows the password
     */
    public void handleServerFinal(byte[] serverFinalMessage) throws AuthenticationFailedException {
        Objects.requireNonNull(serverFinalMessage, "serverFinalMessage");
        requireState(State.AWAITING_SERVER_FINAL);
        state = State.FAILED; // until this step has succeeded

        ScramAttributeReader reader = new ScramAttributeReader(serverFinalMessage, "server-final-message");
        if (reader.nextIs('e')) {
            throw new AuthenticationFailedException("the server reported SCRAM error: " + reader.read('e'));
        }
        byte[] signature = reader.readBase64('v');
        while (reader.hasMore()) {
            reader.readAny(); // optional extensions, none supported
        }
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new AuthenticationFailedException("the server's SCRAM signature is wrong: it does not know the password");
        }
        state = State.SUCCEEDED;
    }

    /** State only: the password and keys stay out of logs. */
    @Override
    public String toString() {
        return "ScramClientExchange[" + mechanism + ", " + state + "]";
    }

    private static int parseIterations(ScramAttributeReader reader, String text) throws AuthenticationFailedException {
        if (!text.matches("[0-9]{1,9}") || Integer.parseInt(text) < 1) {
            throw reader.malformed("the iteration count is not a positive number");
        }
        return Integer.parseInt(text);
    }

    /** RFC 5802 saslname: ',' and '=' are escaped. */
    private static String escapeSaslName(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }
}
