package io.tributary.sim.payload;

import java.util.Objects;

/**
 * Writes and reads the identity ({@link MessageIdentity}) that every simulated payload carries. The simulator
 * encodes with an instance configured for one {@link PayloadKind}; the verifier decodes with the static
 * {@link #parse}, which recognises both kinds by their first byte and never throws on hostile input.
 *
 * <p>Immutable and thread-safe.
 */
public final class PayloadCodec {

    /** Smallest raw payload: the header alone. */
    public static final int MIN_RAW_BYTES = RawPayload.HEADER_BYTES;

    private final PayloadKind kind;
    private final int rawBytes;

    private PayloadCodec(PayloadKind kind, int rawBytes) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.rawBytes = rawBytes;
    }

    /** JSON metrics payloads. */
    public static PayloadCodec json() {
        return new PayloadCodec(PayloadKind.JSON, 0);
    }

    /**
     * Raw payloads of exactly {@code size} bytes.
     *
     * @throws IllegalArgumentException when {@code size} is below {@link #MIN_RAW_BYTES}
     */
    public static PayloadCodec raw(int size) {
        if (size < MIN_RAW_BYTES) {
            throw new IllegalArgumentException("raw payloads need at least " + MIN_RAW_BYTES + " bytes: " + size);
        }
        return new PayloadCodec(PayloadKind.RAW, size);
    }

    public PayloadKind kind() {
        return kind;
    }

    /** The metric level of the topic this kind is published under. */
    public String metric() {
        return kind == PayloadKind.JSON ? "telemetry" : "raw";
    }

    /**
     * Encodes one message of device number {@code deviceIndex}, whose id must be
     * {@link MessageIdentity#deviceId(int) d-deviceIndex}.
     */
    public byte[] encode(int deviceIndex, long seq, long sendTimeMicros) {
        MessageIdentity id = new MessageIdentity(MessageIdentity.deviceId(deviceIndex), seq, sendTimeMicros);
        return kind == PayloadKind.JSON ? JsonPayload.encode(id) : RawPayload.encode(deviceIndex, id, rawBytes);
    }

    /** Reads the identity from a payload of either kind; a failure with a reason for anything else. */
    public static ParseResult parse(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return ParseResult.failure("empty payload");
        }
        if (RawPayload.hasMagic(payload)) {
            return RawPayload.parse(payload);
        }
        int first = payload[0];
        if (first == '{' || first == ' ' || first == '\n' || first == '\r' || first == '\t') {
            return JsonPayload.parse(payload);
        }
        return ParseResult.failure("payload is neither simulator JSON nor a TRB1 raw header");
    }
}
