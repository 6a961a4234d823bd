package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Record;
import java.time.Duration;
import java.util.Objects;

/**
 * A record offered to {@link DurableBuffer#append}: the lane (the device group) and the record body. Any id in the
 * body is replaced by the buffer; {@code edge_receive_time_ms} is set from the buffer's clock when it is 0.
 *
 * @param ttl how long the record may wait unsent before it is dropped as {@link LossReason#EXPIRED};
 *     {@link Duration#ZERO} means forever
 */
public record PendingRecord(String lane, Record body, Duration ttl) {

    public PendingRecord {
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
    }

    /** A record that never expires. */
    public static PendingRecord of(String lane, Record body) {
        return new PendingRecord(lane, body, Duration.ZERO);
    }
}
