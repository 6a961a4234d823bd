package io.tributary.edge.buffer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Extracts the numbers to aggregate from a payload: a plain JSON number (field name {@code ""}), or the numeric
 * top-level fields of a JSON object (strings, booleans, nulls, arrays and nested objects are skipped). Anything else,
 * malformed JSON included, yields no field; a number too large for a double spoils the whole payload. Read with
 * jackson-core's streaming parser over the shared {@link Json#FACTORY}, so names are unescaped as JSON says.
 *
 * <p>Stateless and thread-safe (each call has its own parser).
 */
public final class NumericFields {

    private NumericFields() {}

    /** The numeric fields in payload order (the last value of a repeated name); empty when there are none. */
    public static Map<String, Double> of(byte[] payload) {
        Map<String, Double> out = new LinkedHashMap<>();
        try (JsonParser p = Json.FACTORY.createParser(payload)) {
            JsonToken first = p.nextToken();
            if (first != null && first.isNumeric()) {
                out.put("", p.getDoubleValue());
            } else if (first == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    if (p.nextToken().isNumeric()) {
                        out.put(name, p.getDoubleValue());
                    } else {
                        p.skipChildren();
                    }
                }
            }
            if (p.nextToken() != null || out.values().stream().anyMatch(v -> !Double.isFinite(v))) {
                out.clear(); // trailing content, or a number out of range: nothing trustworthy to aggregate
            }
        } catch (IOException e) {
            out.clear(); // malformed JSON
        }
        return out;
    }
}
