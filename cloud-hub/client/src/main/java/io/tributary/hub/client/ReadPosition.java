package io.tributary.hub.client;

import io.tributary.protocol.v1.StartPosition;
import java.time.Instant;

/** Where a reader starts in a shard. Immutable. */
public final class ReadPosition {
    private final StartPosition proto;

    private ReadPosition(StartPosition proto) {
        this.proto = proto;
    }

    /** The oldest retained record. */
    public static ReadPosition trimHorizon() {
        return new ReadPosition(StartPosition.newBuilder().setTrimHorizon(true).build());
    }

    /** Only records appended after the subscription starts. */
    public static ReadPosition latest() {
        return new ReadPosition(StartPosition.newBuilder().setLatest(true).build());
    }

    public static ReadPosition atSequence(long sequence) {
        return new ReadPosition(
                StartPosition.newBuilder().setAtSequence(sequence).build());
    }

    public static ReadPosition afterSequence(long sequence) {
        return new ReadPosition(
                StartPosition.newBuilder().setAfterSequence(sequence).build());
    }

    /** The first batch the hub appended at or after {@code time}. */
    public static ReadPosition atTimestamp(Instant time) {
        return new ReadPosition(
                StartPosition.newBuilder().setAtTimestampMs(time.toEpochMilli()).build());
    }

    /**
     * Parses {@code trim-horizon}, {@code latest}, {@code seq:N} (at N), {@code after:N} or {@code time:ISO-8601}.
     */
    public static ReadPosition parse(String text) {
        String t = text.trim();
        if (t.equals("trim-horizon")) {
            return trimHorizon();
        }
        if (t.equals("latest")) {
            return latest();
        }
        try {
            if (t.startsWith("seq:")) {
                return atSequence(Long.parseLong(t.substring(4)));
            }
            if (t.startsWith("after:")) {
                return afterSequence(Long.parseLong(t.substring(6)));
            }
            if (t.startsWith("time:")) {
                return atTimestamp(Instant.parse(t.substring(5)));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad position '" + text + "': " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(
                "position must be trim-horizon, latest, seq:N, after:N or time:ISO-8601, got '" + text + "'");
    }

    /** The first sequence this position names, or -1 when the hub decides (trim horizon, latest, time). */
    public long firstSequence() {
        return switch (proto.getKindCase()) {
            case AT_SEQUENCE -> proto.getAtSequence();
            case AFTER_SEQUENCE -> proto.getAfterSequence() + 1;
            default -> -1;
        };
    }

    public StartPosition toProto() {
        return proto;
    }

    @Override
    public String toString() {
        return proto.getKindCase() + " " + proto;
    }
}
