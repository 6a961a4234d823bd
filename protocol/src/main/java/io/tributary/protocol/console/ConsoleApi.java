package io.tributary.protocol.console;

import io.tributary.protocol.json.Json;

/**
 * The JSON API behind a web console: read-only answers to {@code GET /api/...}. Implementations name their shapes in
 * their javadoc; every body is one JSON object written with {@link io.tributary.protocol.json.Json}.
 *
 * <p>Thread rules: {@link #answer} is called on the HTTP server's threads, possibly concurrently, and may block for
 * a short while (it is never on a Netty event loop).
 */
@FunctionalInterface
public interface ConsoleApi {

    /**
     * The JSON document for {@code request}.
     *
     * @throws ApiError for an unknown resource (404) or a bad parameter (400)
     */
    String answer(ApiRequest request);

    /** An answer: one object with {@code "time_ms"} (the process's clock at the answer) and then {@code fields}. */
    static String document(long timeMs, Json.Body fields) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("time_ms", timeMs);
            fields.write(g);
            g.writeEndObject();
        });
    }
}
