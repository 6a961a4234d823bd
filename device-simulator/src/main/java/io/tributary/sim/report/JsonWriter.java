package io.tributary.sim.report;

import java.util.Locale;

/**
 * A tiny writer of one JSON object on one line: keys in insertion order, values escaped. Enough for the final
 * summary line and the report's embedded data without a JSON library. Single-threaded.
 */
public final class JsonWriter {

    private final StringBuilder sb = new StringBuilder(512);
    private boolean first = true;

    public JsonWriter() {
        sb.append('{');
    }

    public JsonWriter field(String key, String value) {
        key(key);
        quote(value);
        return this;
    }

    public JsonWriter field(String key, long value) {
        key(key);
        sb.append(value);
        return this;
    }

    public JsonWriter field(String key, double value) {
        key(key);
        sb.append(Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null");
        return this;
    }

    public JsonWriter field(String key, boolean value) {
        key(key);
        sb.append(value);
        return this;
    }

    /** Inserts {@code json} (already valid JSON) as the value. */
    public JsonWriter raw(String key, String json) {
        key(key);
        sb.append(json);
        return this;
    }

    /** The object, closed. */
    public String end() {
        return sb.append('}').toString();
    }

    private void key(String key) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        quote(key);
        sb.append(':');
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '<' -> sb.append("\\u003c"); // safe inside an HTML <script> element
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
