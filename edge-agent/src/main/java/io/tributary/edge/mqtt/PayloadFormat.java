package io.tributary.edge.mqtt;

/** What a publish payload looks like, as far as the edge cares. Stateless and thread-safe. */
public enum PayloadFormat {
    /** A well-formed JSON object (RFC 8259), UTF-8. */
    JSON,
    /** Anything else: opaque bytes. */
    RAW;

    /** Payloads longer than this are not parsed and count as {@link #RAW}, to bound event-loop time. */
    public static final int MAX_JSON_DETECT_BYTES = 256 * 1024;

    /**
     * Detects the format: {@link #JSON} when the payload, after leading whitespace, starts with '{' and parses as
     * one complete JSON object; {@link #RAW} otherwise. Linear in the payload size, no allocation per byte.
     */
    public static PayloadFormat detect(byte[] payload) {
        if (payload.length == 0 || payload.length > MAX_JSON_DETECT_BYTES) {
            return RAW;
        }
        int i = 0;
        while (i < payload.length && JsonValidator.isWhitespace(payload[i])) {
            i++;
        }
        if (i == payload.length || payload[i] != '{') {
            return RAW;
        }
        return JsonValidator.isObject(payload) ? JSON : RAW;
    }
}
