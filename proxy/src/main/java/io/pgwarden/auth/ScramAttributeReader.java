package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads the {@code k=value,k=value} attributes of one SCRAM message (RFC 5802 section 5.1) in
 * order, as both sides need them. Strict: every attribute is one ASCII letter, {@code =} and a
 * value up to the next comma; a comma must be followed by another attribute. Every violation is an
 * {@link AuthenticationFailedException} naming the message.
 *
 * <p>The message is viewed as ISO-8859-1, one char per byte, so positions are byte offsets and a
 * user name that is not valid UTF-8 (PostgreSQL accepts and ignores it) does not break parsing.
 */
final class ScramAttributeReader {

    /** One attribute: its one-letter name and its raw value. */
    record Attribute(char name, String value) {
    }

    private final String text;
    private final String messageName;
    private int position;

    ScramAttributeReader(byte[] message, String messageName) {
        this(new String(message, StandardCharsets.ISO_8859_1), messageName);
    }

    ScramAttributeReader(String text, String messageName) {
        this.text = text;
        this.messageName = messageName;
    }

    /** Reads the next attribute, which must be called {@code name}, and returns its value. */
    String read(char name) throws AuthenticationFailedException {
        Attribute attribute = readAny();
        if (attribute.name() != name) {
            throw malformed("expected attribute '" + name + "' but found '" + attribute.name() + "'");
        }
        return attribute.value();
    }

    /** Reads the next attribute, whatever its name. */
    Attribute readAny() throws AuthenticationFailedException {
        int nameAt = nameIndex();
        if (nameAt >= text.length()) {
            throw malformed("expected an attribute but the message ended");
        }
        char name = text.charAt(nameAt);
        if (!isAsciiLetter(name)) {
            throw malformed("expected an attribute name but found character 0x" + Integer.toHexString(name));
        }
        if (nameAt + 1 >= text.length() || text.charAt(nameAt + 1) != '=') {
            throw malformed("expected '=' after attribute '" + name + "'");
        }
        int valueAt = nameAt + 2;
        int comma = text.indexOf(',', valueAt);
        position = comma < 0 ? text.length() : comma;
        return new Attribute(name, text.substring(valueAt, position));
    }

    /** Reads the nonce attribute {@code r}: one or more printable ASCII characters except comma. */
    String readNonce() throws AuthenticationFailedException {
        String nonce = read('r');
        if (nonce.isEmpty() || !nonce.chars().allMatch(c -> c >= 0x21 && c <= 0x7E)) {
            throw malformed("the nonce is empty or not printable");
        }
        return nonce;
    }

    /** Reads the next attribute, which must be called {@code name}, and decodes its base64 value. */
    byte[] readBase64(char name) throws AuthenticationFailedException {
        return decodeBase64(new Attribute(name, read(name)));
    }

    byte[] decodeBase64(Attribute attribute) throws AuthenticationFailedException {
        try {
            return Base64.getDecoder().decode(attribute.value());
        } catch (IllegalArgumentException e) {
            throw malformed("attribute '" + attribute.name() + "' is not valid base64");
        }
    }

    /** Whether the next attribute is called {@code name}. */
    boolean nextIs(char name) {
        int nameAt = nameIndex();
        return nameAt < text.length() && text.charAt(nameAt) == name;
    }

    boolean hasMore() {
        return position < text.length();
    }

    void expectEnd() throws AuthenticationFailedException {
        if (hasMore()) {
            throw malformed("unexpected data after the last attribute");
        }
    }

    /** The end of the attributes read so far: where the next one's separating comma is. */
    int position() {
        return position;
    }

    AuthenticationFailedException malformed(String detail) {
        return new AuthenticationFailedException("malformed SCRAM " + messageName + ": " + detail);
    }

    /** Attributes after the first are preceded by a comma. */
    private int nameIndex() {
        if (position == 0 || position >= text.length()) {
            return position;
        }
        return position + 1; // readAny stops only at a comma or at the end
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
