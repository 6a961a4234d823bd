package io.tributary.sim.payload;

import java.nio.charset.StandardCharsets;

/**
 * The JSON payload: a flat object such as
 * {@code {"dev":"d-17","seq":123,"ts":1732590000123,"tus":1732590000123456,"temp":21.4,"hum":40.2,"volt":3.31}}.
 * {@code ts} is the send time in epoch milliseconds (what dashboards expect), {@code tus} the same instant in epoch
 * microseconds (what latency needs). The metric values are a cheap deterministic function of the sequence.
 *
 * <p>Parsing accepts any flat JSON object whose values are strings, numbers, booleans or null, in any key order,
 * and needs {@code dev}, {@code seq} and one of {@code tus}/{@code ts}. Stateless and thread-safe.
 */
final class JsonPayload {

    /** Larger inputs are refused before parsing so a hostile payload cannot cost much. */
    static final int MAX_BYTES = 64 * 1024;

    private JsonPayload() {}

    static byte[] encode(MessageIdentity id) {
        long seq = id.seq();
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"dev\":\"").append(id.deviceId()).append("\",\"seq\":").append(seq);
        sb.append(",\"ts\":")
                .append(id.sendTimeMicros() / 1000)
                .append(",\"tus\":")
                .append(id.sendTimeMicros());
        sb.append(",\"temp\":").append(20 + (seq % 100) / 10.0);
        sb.append(",\"hum\":").append(40 + (seq % 37) / 2.0);
        sb.append(",\"volt\":").append(3 + (seq % 50) / 100.0).append('}');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static ParseResult parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return ParseResult.failure("JSON payload too large: " + bytes.length + " bytes");
        }
        FlatJsonReader reader = new FlatJsonReader(bytes);
        String dev = null;
        long seq = -1;
        long tus = -1;
        long ts = -1;
        try {
            for (FlatJsonReader.Field f = reader.next(); f != null; f = reader.next()) {
                switch (f.key()) {
                    case "dev" -> dev = f.stringValue();
                    case "seq" -> seq = f.longValue();
                    case "tus" -> tus = f.longValue();
                    case "ts" -> ts = f.longValue();
                    default -> {}
                }
            }
        } catch (FlatJsonReader.SyntaxException e) {
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
}
