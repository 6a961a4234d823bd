package io.tributary.edge.mqtt;

/**
 * A strict, allocation-free JSON syntax check (RFC 8259) used by {@link PayloadFormat#detect}. It does not build
 * values; nesting depth is bounded by {@link #MAX_DEPTH} so hostile payloads cannot overflow the stack.
 * Single-use per call; thread-safe because every call gets its own instance.
 */
final class JsonValidator {

    static final int MAX_DEPTH = 64;

    private final byte[] in;
    private int pos;

    private JsonValidator(byte[] in) {
        this.in = in;
    }

    /** True when {@code bytes} is exactly one JSON object, optionally surrounded by whitespace. */
    static boolean isObject(byte[] bytes) {
        JsonValidator v = new JsonValidator(bytes);
        v.skipWs();
        if (v.peek() != '{' || !v.value(0)) {
            return false;
        }
        v.skipWs();
        return v.pos == bytes.length;
    }

    static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private int peek() {
        return pos < in.length ? in[pos] : -1;
    }

    private void skipWs() {
        while (pos < in.length && isWhitespace(in[pos])) {
            pos++;
        }
    }

    private boolean value(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        skipWs();
        switch (peek()) {
            case '{':
                return container(depth, '}', true);
            case '[':
                return container(depth, ']', false);
            case '"':
                return string();
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number();
        }
    }

    private boolean container(int depth, char close, boolean object) {
        pos++;
        skipWs();
        if (peek() == close) {
            pos++;
            return true;
        }
        while (true) {
            skipWs();
            if (object) {
                if (peek() != '"' || !string()) {
                    return false;
                }
                skipWs();
                if (peek() != ':') {
                    return false;
                }
                pos++;
            }
            if (!value(depth + 1)) {
                return false;
            }
            skipWs();
            int c = peek();
            pos++;
            if (c == close) {
                return true;
            }
            if (c != ',') {
                return false;
            }
        }
    }

    private boolean string() {
        pos++; // opening quote
        while (pos < in.length) {
            int c = in[pos++] & 0xff;
            if (c == '"') {
                return true;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                int e = peek();
                pos++;
                if (e == 'u') {
                    for (int k = 0; k < 4; k++) {
                        if (Character.digit(peek(), 16) < 0) {
                            return false;
                        }
                        pos++;
                    }
                } else if ("\"\\/bfnrt".indexOf(e) < 0 || e < 0) {
                    return false;
                }
            }
        }
        return false;
    }

    private boolean literal(String word) {
        for (int k = 0; k < word.length(); k++) {
            if (peek() != word.charAt(k)) {
                return false;
            }
            pos++;
        }
        return true;
    }

    private boolean number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (!digits()) {
            return false;
        }
        if (peek() == '.') {
            pos++;
            if (!digits()) {
                return false;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digits()) {
                return false;
            }
        }
        return pos > start;
    }

    private boolean digits() {
        int start = pos;
        while (peek() >= '0' && peek() <= '9') {
            pos++;
        }
        return pos > start;
    }
}
