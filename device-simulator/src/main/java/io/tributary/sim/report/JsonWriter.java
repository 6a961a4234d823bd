package io.tributary.sim.report;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tributary.protocol.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Writes one JSON object on one line: keys in insertion order, names and values escaped by jackson-core's generator
 * ({@link Json}). Strings also have {@code <}, {@code >} and {@code &} escaped, so the output is safe inside the
 * HTML report's {@code <script>} element. Single-threaded.
 */
public final class JsonWriter {

    private final StringWriter out = new StringWriter(512);
    private final JsonGenerator g;

    public JsonWriter() {
        try {
            g = Json.generator(out, true);
            g.writeStartObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One step of writing; a {@link StringWriter} never fails, so an IOException is a bug. */
    private interface Step {
        void run() throws IOException;
    }

    private JsonWriter step(Step step) {
        try {
            step.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public JsonWriter field(String key, String value) {
        return step(() -> g.writeStringField(key, value));
    }

    public JsonWriter field(String key, long value) {
        return step(() -> g.writeNumberField(key, value));
    }

    /** Three decimals; {@code null} when not finite. */
    public JsonWriter field(String key, double value) {
        return field(key, value, 3);
    }

    /** {@code decimals} decimals (0: a whole number, rounded half-up); {@code null} when not finite. */
    public JsonWriter field(String key, double value, int decimals) {
        if (decimals < 0) {
            throw new IllegalArgumentException("decimals " + decimals + " < 0");
        }
        return step(() -> {
            g.writeFieldName(key);
            if (Double.isFinite(value)) {
                g.writeNumber(String.format(Locale.ROOT, "%." + decimals + "f", value));
            } else {
                g.writeNull();
            }
        });
    }

    public JsonWriter field(String key, boolean value) {
        return step(() -> g.writeBooleanField(key, value));
    }

    /** Inserts {@code json} (already valid JSON, e.g. another {@link JsonWriter}'s) as the value. */
    public JsonWriter raw(String key, String json) {
        return step(() -> {
            g.writeFieldName(key);
            g.writeRawValue(json);
        });
    }

    /** The object, closed. */
    public String end() {
        step(() -> {
            g.writeEndObject();
            g.close();
        });
        return out.toString();
    }
}
