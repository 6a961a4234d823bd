package io.tributary.sim.payload;

import java.nio.charset.StandardCharsets;

/**
 * A pull reader over one flat JSON object: yields {@code key: value} fields in order, where values are strings,
 * numbers, {@code true}, {@code false} or {@code null}. Nested objects and arrays are refused. Every problem is a
 * {@link SyntaxException} naming the byte offset; no other exception escapes. Single-threaded.
 */
final class FlatJsonReader {

    /** A field; {@code raw} is the value's text (unquoted for strings). */
    record Field(String key, String raw, boolean quoted) {
        String stringValue() throws SyntaxException {
            if (!quoted) {
                throw new SyntaxException("field '" + key + "' is not a string");
            }
            return raw;
        }

        long longValue() throws SyntaxException {
            if (quoted || raw.isEmpty() || raw.length() > 19) {
                throw new SyntaxException("field '" + key + "' is not an integer");
            }
            long value = 0;
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c < '0' || c > '9') {
                    throw new SyntaxException("field '" + key + "' is not a non-negative integer");
                }
                value = value * 10 + (c - '0');
            }
            return value;
        }
    }

    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] in;
    private int pos;
    private boolean started;
    private boolean ended;

    FlatJsonReader(byte[] in) {
        this.in = in;
    }

    /** The next field, or null after the closing brace (which must end the input, bar whitespace). */
    Field next() throws SyntaxException {
        if (ended) {
            return null;
        }
        skipWs();
        if (!started) {
            expect('{');
            started = true;
            skipWs();
            if (peek() == '}') {
                return close();
            }
        } else {
            int c = peek();
            if (c == '}') {
                return close();
            }
            expect(',');
            skipWs();
        }
        String key = string();
        skipWs();
        expect(':');
        skipWs();
        int c = peek();
        if (c == '"') {
            return new Field(key, string(), true);
        }
        if (c == '{' || c == '[') {
            throw new SyntaxException("nested value for '" + key + "' at offset " + pos);
        }
        int start = pos;
        while (pos < in.length && "+-.0123456789eEtruefalsn".indexOf(in[pos]) >= 0) {
            pos++;
        }
        if (pos == start) {
            throw new SyntaxException("expected a value at offset " + pos);
        }
        return new Field(key, new String(in, start, pos - start, StandardCharsets.US_ASCII), false);
    }

    private Field close() throws SyntaxException {
        pos++;
        ended = true;
        skipWs();
        if (pos != in.length) {
            throw new SyntaxException("trailing bytes at offset " + pos);
        }
        return null;
    }

    private String string() throws SyntaxException {
        expect('"');
        int start = pos;
        while (pos < in.length && in[pos] != '"') {
            if (in[pos] == '\\' || (in[pos] & 0xff) < 0x20) {
                throw new SyntaxException("escape or control character in string at offset " + pos);
            }
            pos++;
        }
        if (pos == in.length) {
            throw new SyntaxException("unterminated string at offset " + start);
        }
        String s = new String(in, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private int peek() throws SyntaxException {
        if (pos >= in.length) {
            throw new SyntaxException("unexpected end at offset " + pos);
        }
        return in[pos];
    }

    private void expect(char c) throws SyntaxException {
        if (peek() != c) {
            throw new SyntaxException("expected '" + c + "' at offset " + pos);
        }
        pos++;
    }

    private void skipWs() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r')) {
            pos++;
        }
    }
}
