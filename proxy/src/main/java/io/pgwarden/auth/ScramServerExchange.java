package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The server side of one SCRAM-SHA-256 exchange, as PostgreSQL runs it: pgwarden checking a
 * client. Mechanism {@code SCRAM-SHA-256} only, without channel binding: the client's GS2 header
 * must be {@code n,,} or {@code y,,} ({@code p=} is refused, as is an authorization identity).
 * The user name inside client-first-message is ignored; the startup packet's counts.
 *
 * <pre>
 * AWAITING_CLIENT_FIRST --handleClientFirst--> AWAITING_CLIENT_FINAL --handleClientFinal--> SUCCEEDED
 *          any failure (an AuthenticationFailedException) --> FAILED
 * </pre>
 *
 * Not thread-safe: one exchange per connection, driven by its event loop.
 */
public final class ScramServerExchange {

    /** The mechanism name to offer in AuthenticationSASL and expect in SASLInitialResponse. */
    public static final String MECHANISM = ScramFunctions.MECHANISM;

    public enum State {
        AWAITING_CLIENT_FIRST,
        AWAITING_CLIENT_FINAL,
        SUCCEEDED,
        FAILED
    }

    private static final String BIND_FLAG_N = "biws"; // base64("n,,")
    private static final String BIND_FLAG_Y = "eSws"; // base64("y,,")

    private final ScramVerifier verifier;
    private final Supplier<String> serverNonces;
    /** Set for an unknown user: run the exchange as usual, then fail (PostgreSQL's "doomed"). */
    private final boolean doomed;

    private State state = State.AWAITING_CLIENT_FIRST;
    private String expectedBindingAttribute;
    private String nonce;
    private byte[] clientFirstBare;
    private byte[] serverFirst;

    /** An exchange checking the client against {@code verifier}. */
    public ScramServerExchange(ScramVerifier verifier) {
        this(verifier, ScramFunctions::randomNonce, false);
    }

    /** For tests: {@code serverNonces} supplies the server's part of the nonce (printable, no comma). */
    ScramServerExchange(ScramVerifier verifier, Supplier<String> serverNonces) {
        this(verifier, serverNonces, false);
    }

    private ScramServerExchange(ScramVerifier verifier, Supplier<String> serverNonces, boolean doomed) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.serverNonces = Objects.requireNonNull(serverNonces, "serverNonces");
        this.doomed = doomed;
    }

    /**
     * An exchange for a user that does not exist, which looks like a real one to the client and
     * fails only at the final step, so that a client cannot probe which users exist (PostgreSQL's
     * mock authentication). The salt is the same for the same name every time:
     * HMAC-SHA-256(serverSecret, userName), cut to 16 bytes, with 4096 iterations.
     *
     * @param serverSecret a secret of this pgwarden instance; keep it stable across restarts if
     *                     the real verifiers' salts are stable too, or the change gives it away
     */
    public static ScramServerExchange forUnknownUser(String userName, byte[] serverSecret) {
        Objects.requireNonNull(userName, "userName");
        if (serverSecret.length == 0) {
            throw new IllegalArgumentException("the server secret must not be empty");
        }
        byte[] salt = Arrays.copyOf(
                ScramFunctions.hmac(serverSecret, userName.getBytes(StandardCharsets.UTF_8)),
                ScramFunctions.DEFAULT_SALT_LENGTH);
        byte[] unusedKey = new byte[ScramFunctions.KEY_LENGTH];
        ScramVerifier mock = new ScramVerifier(ScramFunctions.DEFAULT_ITERATIONS, salt, unusedKey, unusedKey);
        return new ScramServerExchange(mock, ScramFunctions::randomNonce, true);
    }

    public State state() {
        return state;
    }

    /**
     * Takes client-first-message (the data of SASLInitialResponse) and returns
     * server-first-message ({@code r=<nonce>,s=<salt>,i=<iterations>}).
     */
    public byte[] handleClientFirst(byte[] clientFirstMessage) throws AuthenticationFailedException {
        Objects.requireNonNull(clientFirstMessage, "clientFirstMessage");
        requireState(State.AWAITING_CLIENT_FIRST);
        state = State.FAILED; // until this step has succeeded
        int bareStart = readGs2Header(clientFirstMessage);
        clientFirstBare = Arrays.copyOfRange(clientFirstMessage, bareStart, clientFirstMessage.length);

        ScramAttributeReader reader = new ScramAttributeReader(clientFirstBare, "client-first-message");
        if (reader.nextIs('m')) {
            throw reader.malformed("the client requires an extension, and none is supported");
        }
        reader.read('n'); // ignored: the startup packet's user name counts
        String clientNonce = reader.readNonce();
        while (reader.hasMore()) {
            reader.readAny(); // optional extensions, none supported
        }

        nonce = clientNonce + serverNonces.get();
        serverFirst = ("r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(verifier.salt())
                + ",i=" + verifier.iterations()).getBytes(StandardCharsets.US_ASCII);
        state = State.AWAITING_CLIENT_FINAL;
        return serverFirst.clone();
    }

    /**
     * Takes client-final-message (the data of SASLResponse), checks the channel binding attribute,
     * the nonce and the proof, and returns server-final-message ({@code v=<ServerSignature>}) for
     * AuthenticationSASLFinal.
     *
     * @throws AuthenticationFailedException for a malformed message, a wrong password or an
     *                                       unknown user
     */
    public byte[] handleClientFinal(byte[] clientFinalMessage) throws AuthenticationFailedException {
        Objects.requireNonNull(clientFinalMessage, "clientFinalMessage");
        requireState(State.AWAITING_CLIENT_FINAL);
        state = State.FAILED; // until this step has succeeded

        ScramAttributeReader reader = new ScramAttributeReader(clientFinalMessage, "client-final-message");
        if (!reader.read('c').equals(expectedBindingAttribute)) {
            throw reader.malformed("the channel binding attribute does not repeat the GS2 header");
        }
        String finalNonce = reader.read('r');
        int proofStart;
        ScramAttributeReader.Attribute attribute;
        do { // optional extensions, none supported, until the proof
            proofStart = reader.position();
            attribute = reader.readAny();
        } while (attribute.name() != 'p');
        reader.expectEnd();
        byte[] proof = reader.decodeBase64(attribute);
        if (proof.length != ScramFunctions.KEY_LENGTH) {
            throw reader.malformed("the proof has " + proof.length + " bytes instead of " + ScramFunctions.KEY_LENGTH);
        }
        if (!finalNonce.equals(nonce)) {
            throw reader.malformed("the nonce does not match the one of server-first-message");
        }

        byte[] authMessage = ScramFunctions.authMessage(clientFirstBare, serverFirst,
                Arrays.copyOf(clientFinalMessage, proofStart));
        boolean proofMatches = proofMatches(proof, authMessage); // also when doomed: same work, same timing
        if (doomed) {
            throw new AuthenticationFailedException("SCRAM authentication failed: no such user");
        }
        if (!proofMatches) {
            throw new AuthenticationFailedException("SCRAM authentication failed: wrong password");
        }
        byte[] serverSignature = ScramFunctions.hmac(verifier.serverKey(), authMessage);
        state = State.SUCCEEDED;
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.US_ASCII);
    }

    /** State only: nonces and keys stay out of logs. */
    @Override
    public String toString() {
        return "ScramServerExchange[" + state + "]";
    }

    /**
     * ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the client knew the password if
     * H(ClientKey) is StoredKey.
     */
    private boolean proofMatches(byte[] proof, byte[] authMessage) {
        byte[] storedKey = verifier.storedKey();
        byte[] clientKey = ScramFunctions.xor(proof, ScramFunctions.hmac(storedKey, authMessage));
        boolean matches = MessageDigest.isEqual(ScramFunctions.sha256(clientKey), storedKey);
        Arrays.fill(clientKey, (byte) 0);
        return matches;
    }

    /** Reads {@code n,,} or {@code y,,}, remembers the matching {@code c=} value, and returns where the bare message starts. */
    private int readGs2Header(byte[] message) throws AuthenticationFailedException {
        if (message.length == 0) {
            throw gs2Failure("the message is empty");
        }
        switch (message[0]) {
            case 'n' -> expectedBindingAttribute = BIND_FLAG_N;
            case 'y' -> expectedBindingAttribute = BIND_FLAG_Y; // fine: we never offer SCRAM-SHA-256-PLUS
            case 'p' -> throw gs2Failure("the client requires channel binding, which is not supported");
            default -> throw gs2Failure("unexpected channel binding flag");
        }
        if (message.length < 2 || message[1] != ',') {
            throw gs2Failure("expected ',' after the channel binding flag");
        }
        if (message.length > 2 && message[2] == 'a') {
            throw gs2Failure("the client sent an authorization identity, which is not supported");
        }
        if (message.length < 3 || message[2] != ',') {
            throw gs2Failure("expected ',' at the end of the GS2 header");
        }
        return 3;
    }

    private static AuthenticationFailedException gs2Failure(String detail) {
        return new AuthenticationFailedException("malformed SCRAM client-first-message: " + detail);
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }
}
