package io.tributary.sim.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict reader of one flat JSON object (string, number, true, false, null values) for tests; keys stay in order. */
final class FlatJson {
    private static final String STRING = "\"((?:[^\"\\\\\\p{Cntrl}]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4})*)\"";
    private static final String NUMBER = "(-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)";
    private static final Pattern FIELD =
            Pattern.compile("\\s*" + STRING + "\\s*:\\s*(?:" + STRING + "|" + NUMBER + "|(true|false|null))\\s*");

    private FlatJson() {}

    /** The fields; strings unescaped only for {@code \"} and {@code \\}; throws on anything that is not valid. */
    static Map<String, String> parse(String json) {
        String s = json.strip();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            throw new IllegalArgumentException("not a JSON object: " + json);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String body = s.substring(1, s.length() - 1);
        if (body.isBlank()) {
            return fields;
        }
        Matcher m = FIELD.matcher(body);
        int at = 0;
        while (true) {
            m.region(at, body.length());
            if (!m.lookingAt()) {
                throw new IllegalArgumentException("invalid JSON at offset " + (at + 1) + ": " + json);
            }
            String value = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
            if (fields.put(unescape(m.group(1)), unescape(value)) != null) {
                throw new IllegalArgumentException("duplicate key " + m.group(1));
            }
            at = m.end();
            if (at == body.length()) {
                return fields;
            }
            if (body.charAt(at) != ',') {
                throw new IllegalArgumentException("expected ',' at offset " + (at + 1) + ": " + json);
            }
            at++;
        }
    }

    private static String unescape(String s) {
        return s.replace("\\\"", "\"").replace("\\\\", "\\");
    }
}
