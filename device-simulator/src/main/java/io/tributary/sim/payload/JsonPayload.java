package io.tributary.sim.payload;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tributary.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON payload: a flat object such as
 * {@code {"dev":"d-17","seq":123,"ts":1732590000123,"tus":1732590000123456,"temp":21.4,"hum":40.2,"volt":3.31}}.
 * {@code ts} is the send time in epoch milliseconds (what dashboards expect), {@code tus} the same instant in epoch
 * microseconds (what latency needs). The metric values are a cheap deterministic function of the sequence.
 *
 * <p>Parsing accepts any flat JSON object whose values are strings, numbers, booleans or null, in any key order,
 * and needs {@code dev}, {@code seq} and one of {@code tus}/{@code ts}. Written and read with jackson-core ({@link
 * Json}), so a device id with quotes, backslashes or control characters survives the round trip. Stateless and
 * thread-safe.
 */
final class JsonPayload {

    /** Larger inputs are refused before parsing so a hostile payload cannot cost much. */
    static final int MAX_BYTES = 64 * 1024;

    private JsonPayload() {}

    static byte[] encode(MessageIdentity id) {
        long seq = id.seq();
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("dev", id.deviceId()); // escaped: device ids are configuration, they may say anything
            g.writeNumberField("seq", seq);
            g.writeNumberField("ts", id.sendTimeMicros() / 1000);
            g.writeNumberField("tus", id.sendTimeMicros());
            g.writeNumberField("temp", 20 + (seq % 100) / 10.0);
            g.writeNumberField("hum", 40 + (seq % 37) / 2.0);
            g.writeNumberField("volt", 3 + (seq % 50) / 100.0);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    static ParseResult parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return ParseResult.failure("JSON payload too large: " + bytes.length + " bytes");
        }
        String dev = null;
        long seq = -1;
        long tus = -1;
        long ts = -1;
        try (JsonParser p = Json.FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return ParseResult.failure("JSON payload is not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (value.isStructStart()) {
                    return ParseResult.failure("nested value for '" + key + "' in JSON payload");
                }
                switch (key) {
                    case "dev" -> dev = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "seq" -> seq = nonNegativeLong(p, value);
                    case "tus" -> tus = nonNegativeLong(p, value);
                    case "ts" -> ts = nonNegativeLong(p, value);
                    default -> {}
                }
            }
            if (p.nextToken() != null) {
                return ParseResult.failure("trailing content after the JSON payload");
            }
        } catch (IOException e) {
            return ParseResult.failure("malformed JSON payload: " + e.getMessage());
        }
        if (dev == null || dev.isEmpty()) {
            return ParseResult.failure("JSON payload has no string field 'dev'");
        }
        if (seq < 0) {
            return ParseResult.failure("JSON payload has no non-negative integer field 'seq'");
        }
        if (tus < 0 && ts < 0) {
            return ParseResult.failure("JSON payload has neither 'tus' nor 'ts'");
        }
        return ParseResult.ok(new MessageIdentity(dev, seq, tus >= 0 ? tus : ts * 1000));
    }

    /** The value when it is an integer in 0..Long.MAX_VALUE, -1 otherwise. */
    private static long nonNegativeLong(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return -1;
        }
        return Math.max(-1, p.getLongValue());
    }
}
