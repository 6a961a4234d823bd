package io.tributary.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A strict reader of one flat JSON object (string, number, true, false, null values) for tests; keys stay in order. */
final class FlatJson {

    private FlatJson() {}

    /** The fields, values as their text (strings unescaped, numbers as written); throws on anything not valid. */
    static Map<String, String> parse(String json) {
        Map<String, String> fields = new LinkedHashMap<>();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object: " + json);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (!p.nextToken().isScalarValue()) {
                    throw new IllegalArgumentException("nested value for '" + key + "': " + json);
                }
                fields.put(key, p.getText());
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("trailing content: " + json);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + json, e);
        }
        return fields;
    }
}
