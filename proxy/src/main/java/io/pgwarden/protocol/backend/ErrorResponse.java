package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ErrorResponse ('E') or NoticeResponse ('N'): fields keyed by their one-byte code
 * (S severity, V non-localized severity, C SQLSTATE, M message, D detail, H hint, ...).
 */
public record ErrorResponse(Map<Character, String> fields) {

    public static final char SEVERITY = 'S';
    public static final char SEVERITY_NONLOCALIZED = 'V';
    public static final char CODE = 'C';
    public static final char MESSAGE = 'M';
    public static final char DETAIL = 'D';
    public static final char HINT = 'H';

    public ErrorResponse {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ErrorResponse of(String severity, String sqlState, String message) {
        return of(severity, sqlState, message, null);
    }

    public static ErrorResponse of(String severity, String sqlState, String message, String detail) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity);
        fields.put(SEVERITY_NONLOCALIZED, severity);
        fields.put(CODE, sqlState);
        fields.put(MESSAGE, message);
        if (detail != null) {
            fields.put(DETAIL, detail);
        }
        return new ErrorResponse(fields);
    }

    public static ErrorResponse fatal(String sqlState, String message) {
        return of("FATAL", sqlState, message);
    }

    public static ErrorResponse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        Map<Character, String> fields = new LinkedHashMap<>();
        while (body.isReadable()) {
            byte code = body.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) code, CStrings.read(body));
        }
        return new ErrorResponse(fields);
    }

    /** The SQLSTATE of an ErrorResponse frame, read in place (errors are counted per class). */
    public static String sqlState(ByteBuf frame) {
        int i = frame.readerIndex() + Frames.HEADER_LENGTH;
        int end = frame.writerIndex();
        while (i < end && frame.getByte(i) != 0) {
            byte code = frame.getByte(i++);
            int nul = frame.indexOf(i, end, (byte) 0);
            if (nul < 0) {
                break;
            }
            if (code == CODE) {
                return frame.toString(i, nul - i, java.nio.charset.StandardCharsets.UTF_8);
            }
            i = nul + 1;
        }
        return "";
    }

    public String sqlState() {
        return fields.getOrDefault(CODE, "");
    }

    public String message() {
        return fields.getOrDefault(MESSAGE, "");
    }

    public String severity() {
        return fields.getOrDefault(SEVERITY_NONLOCALIZED, fields.getOrDefault(SEVERITY, "ERROR"));
    }

    /** The same error with another severity (a failed login step is FATAL to the client). */
    public ErrorResponse withSeverity(String severity) {
        Map<Character, String> copy = new LinkedHashMap<>(fields);
        copy.put(SEVERITY, severity);
        copy.put(SEVERITY_NONLOCALIZED, severity);
        return new ErrorResponse(copy);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        int length = Frames.begin(out, BackendMessages.ERROR_RESPONSE);
        fields.forEach((code, value) -> {
            out.writeByte(code);
            CStrings.write(out, value);
        });
        out.writeByte(0);
        Frames.end(out, length);
        return out;
    }

    @Override
    public String toString() {
        return severity() + " " + sqlState() + " " + message();
    }
}
