package io.tributary.edge.buffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Extracts the numbers to aggregate from a payload: a plain number (field name {@code ""}), or the numeric top-level
 * fields of a JSON object (strings, booleans, nulls, arrays and nested objects are skipped). Anything else yields no
 * field. A small scanner rather than a JSON library: it only needs top-level numbers and never throws.
 *
 * <p>Stateless entry point; each call uses its own scanner.
 */
public final class NumericFields {

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");

    private final String s;
    private int i;

    private NumericFields(String s) {
        this.s = s;
    }

    /** The numeric fields in payload order; empty when there are none or the payload is not understood. */
    public static Map<String, Double> of(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8).strip();
        Map<String, Double> out = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return out;
        }
        if (text.charAt(0) != '{') {
            Double plain = parseNumber(text);
            if (plain != null) {
                out.put("", plain);
            }
            return out;
        }
        try {
            new NumericFields(text).object(out);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            out.clear(); // malformed JSON: nothing trustworthy to aggregate
        }
        return out;
    }

    private void object(Map<String, Double> out) {
        expect('{');
        skipWs();
        if (peek() == '}') {
            return;
        }
        while (true) {
            skipWs();
            String key = string();
            skipWs();
            expect(':');
            skipWs();
            int start = i;
            char c = peek();
            if (c == '-' || (c >= '0' && c <= '9')) {
                while (i < s.length() && "+-.eE0123456789".indexOf(s.charAt(i)) >= 0) {
                    i++;
                }
                Double v = parseNumber(s.substring(start, i));
                if (v == null) {
                    throw new IllegalArgumentException("bad number");
                }
                out.put(key, v);
            } else {
                skipValue();
            }
            skipWs();
            if (peek() == ',') {
                i++;
                continue;
            }
            expect('}');
            return;
        }
    }

    private void skipValue() {
        char c = peek();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            int depth = 0;
            do {
                char d = s.charAt(i);
                if (d == '"') {
                    string();
                    continue;
                }
                if (d == '{' || d == '[') {
                    depth++;
                } else if (d == '}' || d == ']') {
                    depth--;
                }
                i++;
            } while (depth > 0);
        } else {
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++; // true, false, null
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (s.charAt(i) != '"') {
            if (s.charAt(i) == '\\') {
                i++;
            }
            b.append(s.charAt(i++));
        }
        i++;
        return b.toString();
    }

    private void expect(char c) {
        if (s.charAt(i) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + i);
        }
        i++;
    }

    private char peek() {
        return s.charAt(i);
    }

    private void skipWs() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private static Double parseNumber(String text) {
        if (!NUMBER.matcher(text).matches()) {
            return null;
        }
        try {
            double v = Double.parseDouble(text);
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
