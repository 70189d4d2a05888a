package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The server side of one SCRAM-SHA-256 exchange, as PostgreSQL runs it: pgwarden checking a
 * client. Over TLS ({@link ChannelBinding#available()}) {@code SCRAM-SHA-256-PLUS} with
 * {@code tls-server-end-point} binding is offered too, and the GS2 header is held to PostgreSQL's
 * rules: {@code p=tls-server-end-point} goes with -PLUS only, {@code n} and {@code y} with the plain
 * mechanism only, and {@code y} ("I could bind, but you cannot") is refused where the server could.
 * An authorization identity is refused. The user name inside client-first-message is ignored; the
 * startup packet's counts.
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

    private static final String PROTOCOL_VIOLATION = "08P01";
    private static final String INVALID_AUTHORIZATION = "28000";

    private final ScramVerifier verifier;
    private final ChannelBinding channel;
    private final Supplier<String> serverNonces;
    /** Set for an unknown user: run the exchange as usual, then fail (PostgreSQL's "doomed"). */
    private final boolean doomed;

    private State state = State.AWAITING_CLIENT_FIRST;
    private String expectedBindingAttribute;
    private String nonce;
    private byte[] clientFirstBare;
    private byte[] serverFirst;

    /** An exchange checking the client against {@code verifier}, over plain TCP. */
    public ScramServerExchange(ScramVerifier verifier) {
        this(verifier, ChannelBinding.NONE);
    }

    /** An exchange checking the client against {@code verifier}, over {@code channel}. */
    public ScramServerExchange(ScramVerifier verifier, ChannelBinding channel) {
        this(verifier, channel, ScramFunctions::randomNonce, false);
    }

    /** For tests: {@code serverNonces} supplies the server's part of the nonce (printable, no comma). */
    ScramServerExchange(ScramVerifier verifier, Supplier<String> serverNonces) {
        this(verifier, ChannelBinding.NONE, serverNonces, false);
    }

    /** For tests, over {@code channel}. */
    ScramServerExchange(ScramVerifier verifier, ChannelBinding channel, Supplier<String> serverNonces) {
        this(verifier, channel, serverNonces, false);
    }

    private ScramServerExchange(ScramVerifier verifier, ChannelBinding channel, Supplier<String> serverNonces, boolean doomed) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.serverNonces = Objects.requireNonNull(serverNonces, "serverNonces");
        this.doomed = doomed;
    }

    /** The mechanisms to offer in AuthenticationSASL, in PostgreSQL's order. */
    public List<String> mechanisms() {
        return channel.mechanisms();
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
        return forUnknownUser(userName, serverSecret, ChannelBinding.NONE);
    }

    /** The same, over {@code channel}: it offers what a real exchange would. */
    public static ScramServerExchange forUnknownUser(String userName, byte[] serverSecret, ChannelBinding channel) {
        Objects.requireNonNull(userName, "userName");
        if (serverSecret.length == 0) {
            throw new IllegalArgumentException("the server secret must not be empty");
        }
        byte[] salt = Arrays.copyOf(
                ScramFunctions.hmac(serverSecret, userName.getBytes(StandardCharsets.UTF_8)),
                ScramFunctions.DEFAULT_SALT_LENGTH);
        byte[] unusedKey = new byte[ScramFunctions.KEY_LENGTH];
        ScramVerifier mock = new ScramVerifier(ScramFunctions.DEFAULT_ITERATIONS, salt, unusedKey, unusedKey);
        return new ScramServerExchange(mock, channel, ScramFunctions::randomNonce, true);
    }

    public State state() {
        return state;
    }

    /**
     * Takes client-first-message (the data of SASLInitialResponse) and returns
     * server-first-message ({@code r=<nonce>,s=<salt>,i=<iterations>}).
     */
    public byte[] handleClientFirst(byte[] clientFirstMessage) throws AuthenticationFailedException {
        return handleClientFirst(MECHANISM, clientFirstMessage);
    }

    /**
     * The same, for the mechanism the client chose in SASLInitialResponse; one not offered (-PLUS
     * over plain TCP, or an unknown name) fails with 08P01, as in PostgreSQL.
     */
    public byte[] handleClientFirst(String mechanism, byte[] clientFirstMessage) throws AuthenticationFailedException {
        Objects.requireNonNull(clientFirstMessage, "clientFirstMessage");
        requireState(State.AWAITING_CLIENT_FIRST);
        state = State.FAILED; // until this step has succeeded
        if (!mechanisms().contains(mechanism)) {
            throw new AuthenticationFailedException("the client chose SASL mechanism " + mechanism + ", which was not offered",
                    AuthenticationFailedException.Reason.PROTOCOL, new AuthenticationFailedException.ClientError(PROTOCOL_VIOLATION,
                            "client selected an invalid SASL authentication mechanism", null));
        }
        int bareStart = readGs2Header(clientFirstMessage, mechanism.equals(ScramFunctions.MECHANISM_PLUS));
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
        String binding = reader.read('c');
        if (!binding.equals(expectedBindingAttribute)) {
            if (expectedBindingAttribute.length() > BIND_FLAG_N.length()) { // -PLUS: the certificate hash differs
                throw new AuthenticationFailedException("SCRAM channel binding check failed: the client bound another certificate",
                        AuthenticationFailedException.Reason.CHANNEL_BINDING, new AuthenticationFailedException.ClientError(INVALID_AUTHORIZATION, "SCRAM channel binding check failed", null));
            }
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

    /**
     * Reads the GS2 header as PostgreSQL's read_client_first_message does, remembers the matching
     * {@code c=} value, and returns where the bare message starts.
     *
     * @param plus the client chose SCRAM-SHA-256-PLUS
     */
    private int readGs2Header(byte[] message, boolean plus) throws AuthenticationFailedException {
        if (message.length == 0) {
            throw gs2Failure("the message is empty");
        }
        int position;
        switch (message[0]) {
            case 'n', 'y' -> {
                if (plus) {
                    throw malformed("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.");
                }
                if (message[0] == 'y' && channel.available()) {
                    // the client could bind and believes we cannot: someone in the middle may have removed -PLUS
                    throw new AuthenticationFailedException("SCRAM channel binding negotiation error: 'y' over TLS",
                            AuthenticationFailedException.Reason.CHANNEL_BINDING, new AuthenticationFailedException.ClientError(INVALID_AUTHORIZATION, "SCRAM channel binding negotiation error",
                                    "The client supports SCRAM channel binding but thinks the server does not.  "
                                            + "However, this server does support channel binding."));
                }
                expectedBindingAttribute = message[0] == 'n' ? BIND_FLAG_N : BIND_FLAG_Y;
                if (message.length < 2 || message[1] != ',') {
                    throw gs2Failure("expected ',' after the channel binding flag");
                }
                position = 2;
            }
            case 'p' -> {
                if (!plus) {
                    throw malformed("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.");
                }
                int comma = indexOf(message, ',', 0);
                String type = new String(message, 0, comma < 0 ? message.length : comma, StandardCharsets.US_ASCII);
                if (!type.equals("p=" + ChannelBinding.TYPE)) {
                    String named = type.startsWith("p=") ? type.substring(2) : type;
                    throw new AuthenticationFailedException("unsupported SCRAM channel-binding type",
                            AuthenticationFailedException.Reason.PROTOCOL, new AuthenticationFailedException.ClientError(PROTOCOL_VIOLATION,
                                    "unsupported SCRAM channel-binding type \"" + printable(named) + "\"", null));
                }
                expectedBindingAttribute = Base64.getEncoder().encodeToString(
                        concat(("p=" + ChannelBinding.TYPE + ",,").getBytes(StandardCharsets.US_ASCII), channel.data()));
                position = comma + 1;
            }
            default -> throw gs2Failure("unexpected channel binding flag");
        }
        if (message.length > position && message[position] == 'a') {
            throw gs2Failure("the client sent an authorization identity, which is not supported");
        }
        if (message.length <= position || message[position] != ',') {
            throw gs2Failure("expected ',' at the end of the GS2 header");
        }
        return position + 1;
    }

    private static AuthenticationFailedException malformed(String detail) {
        return new AuthenticationFailedException("malformed SCRAM message: " + detail, AuthenticationFailedException.Reason.PROTOCOL,
                new AuthenticationFailedException.ClientError(PROTOCOL_VIOLATION, "malformed SCRAM message", detail));
    }

    private static int indexOf(byte[] bytes, char c, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** What a client named goes into an error message printable only, as PostgreSQL's sanitize_str. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.chars().limit(64).forEach(c -> out.append(c >= 0x21 && c <= 0x7e ? (char) c : '?'));
        return out.toString();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
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
