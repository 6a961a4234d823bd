package io.tributary.edge.mqtt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.IOException;

/**
 * The strict JSON syntax check (RFC 8259, UTF-8) used by {@link PayloadFormat#detect}: jackson-core's streaming
 * parser over the shared {@link Json#FACTORY}, skipping every value without building it. Nesting deeper than {@link
 * Json#MAX_DEPTH} is refused, and the parser does not recurse, so hostile payloads cannot overflow the stack.
 * Stateless and thread-safe (each call has its own parser).
 */
final class JsonValidator {

    private JsonValidator() {}

    /** True when {@code bytes} is exactly one JSON object, optionally surrounded by whitespace. */
    static boolean isObject(byte[] bytes) {
        try (JsonParser p = Json.FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren(); // tokenizes (and so checks) every nested name and value, strings included
            return p.nextToken() == null; // nothing but whitespace after the object
        } catch (IOException e) { // JsonParseException, StreamConstraintsException, malformed UTF-8
            return false;
        }
    }

    static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
