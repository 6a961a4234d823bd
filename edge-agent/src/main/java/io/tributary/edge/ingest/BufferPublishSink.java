package io.tributary.edge.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.edge.aggregate.AggregationLanes;
import io.tributary.edge.aggregate.AggregationRules;
import io.tributary.edge.buffer.AppendOutcome;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.MarkingSink;
import io.tributary.edge.mqtt.PayloadFormat;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The MQTT endpoint's sink: turns each publish into a {@link Record} and appends it to the {@link DurableBuffer}, in
 * the lane of its device group. The publish is acknowledged when the append's group commit is durable.
 *
 * <p>Aggregation: the first {@link AggregationRules} rule matching the topic decides. {@code raw} (or no rule): the
 * group's lane, forwarded. {@code window}: only the local raw lane of the window ({@link AggregationLanes#raw}), which
 * the {@code Aggregator} turns into aggregates. {@code both}: the group's lane and the raw lane, in one commit.
 *
 * <p>Mapping: device, group and metric from the topic mapping; {@code topic} the MQTT topic; {@code
 * edge_receive_time_ms} the time the endpoint decoded the publish; {@code event_time_ms} the JSON payload's top-level
 * numeric {@code ts} field when it has one (epoch milliseconds, a whole number ≥ 0), the receive time otherwise;
 * content type JSON or RAW as detected; MQTT 5 user properties become attributes. The partition key is left empty:
 * the forwarder derives it (group, or group/device).
 *
 * <p>Threads: {@link #accept} runs on a Netty event loop and only offers to the buffer's queue. The stage completes on
 * the buffer's writer thread with a cheap mapping; the MQTT handler itself hops back to the channel's event loop
 * before answering, so no second hop is made here.
 */
public final class BufferPublishSink implements MarkingSink {

    /** The JSON field read as the device's event time, in epoch milliseconds. */
    public static final String EVENT_TIME_FIELD = "ts";

    private static final SerializedString EVENT_TIME_NAME = new SerializedString(EVENT_TIME_FIELD);

    private final DurableBuffer buffer;
    private final Duration ttl;
    private final Runnable onStored;
    private final boolean lanePerDevice;
    private final AggregationRules rules;

    /** One lane per device group (records partitioned by group), no aggregation. */
    public BufferPublishSink(DurableBuffer buffer, Duration ttl, Runnable onStored) {
        this(buffer, ttl, onStored, false, AggregationRules.none());
    }

    /**
     * @param ttl how long a record may wait unsent before it expires; {@link Duration#ZERO} for never
     * @param onStored called (on the writer thread, must be cheap) after each durable append, e.g. to wake the forwarder
     * @param lanePerDevice one lane per {@code group/device} instead of per group: needed when records are partitioned
     *     by device, so that every lane's run goes to one shard and stays gap-free there
     * @param rules which topics are forwarded raw, aggregated, or both
     */
    public BufferPublishSink(
            DurableBuffer buffer, Duration ttl, Runnable onStored, boolean lanePerDevice, AggregationRules rules) {
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.onStored = Objects.requireNonNull(onStored, "onStored");
        this.lanePerDevice = lanePerDevice;
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    /**
     * Stores the publish and moves the buffer {@code markers} in the same commit (both or neither after a crash): how
     * the bridge's redelivery marks and the MQTT endpoint's QoS 2 receipts stay exact.
     */
    @Override
    public CompletionStage<SinkResult> store(InboundPublish publish, Map<String, LanePosition> markers) {
        String lane = lanePerDevice
                ? publish.mapped().group() + "/" + publish.mapped().device()
                : publish.mapped().group();
        Record record = toRecord(publish);
        Optional<AggregationRules.Rule> rule = rules.match(publish.topic());
        AggregationRules.Mode mode = rule.map(AggregationRules.Rule::mode).orElse(AggregationRules.Mode.RAW);
        if (mode == AggregationRules.Mode.RAW && markers.isEmpty()) { // the hot path: one stage, no list
            return buffer.append(new PendingRecord(lane, record, ttl)).thenApply(a -> stored(a.outcome()));
        }
        List<PendingRecord> records =
                switch (mode) {
                    case RAW -> List.of(new PendingRecord(lane, record, ttl));
                    case WINDOW -> List.of(rawCopy(lane, rule.get(), record));
                    // one commit for both copies: a crash stores both or neither, so a retried publish is
                    // neither forwarded twice nor aggregated twice
                    case BOTH -> List.of(new PendingRecord(lane, record, ttl), rawCopy(lane, rule.get(), record));
                };
        return buffer.append(records, markers).thenApply(a -> stored(a.outcome()));
    }

    /** Moves buffer markers alone, in the next group commit; {@link SinkResult#STORED} once durable. */
    @Override
    public CompletionStage<SinkResult> mark(Map<String, LanePosition> markers) {
        return buffer.append(List.of(), markers).thenApply(a -> toSinkResult(a.outcome()));
    }

    /** A marker's committed position ({@link DurableBuffer#marker}). */
    @Override
    public LanePosition mark(String name) {
        return buffer.marker(name);
    }

    private SinkResult stored(AppendOutcome outcome) {
        SinkResult result = toSinkResult(outcome);
        if (result == SinkResult.STORED) {
            onStored.run();
        }
        return result;
    }

    /**
     * The copy kept on the edge for aggregation, in the window's local raw lane. It never expires: the aggregator
     * consumes it within a window plus grace, and an expired copy would silently vanish from an aggregate.
     */
    private static PendingRecord rawCopy(String lane, AggregationRules.Rule rule, Record record) {
        return PendingRecord.of(AggregationLanes.raw(lane, rule.window().toMillis()), record);
    }

    /** The record stored for a publish (without id: the buffer assigns it). */
    public static Record toRecord(InboundPublish p) {
        boolean json = p.format() == PayloadFormat.JSON;
        Record.Builder b = Record.newBuilder()
                .setDeviceId(p.mapped().device())
                .setDeviceGroup(p.mapped().group())
                .setMetric(p.mapped().metric())
                .setTopic(p.topic())
                .setEventTimeMs(json ? eventTime(p.payload(), p.receiveTimeMs()) : p.receiveTimeMs())
                .setEdgeReceiveTimeMs(p.receiveTimeMs())
                .setContentType(json ? ContentType.CONTENT_TYPE_JSON : ContentType.CONTENT_TYPE_RAW)
                // the publish's payload array is never written after decoding: wrap it instead of copying
                .setPayload(UnsafeByteOperations.unsafeWrap(p.payload()));
        if (!p.userProperties().isEmpty()) {
            b.putAllAttributes(p.userProperties());
        }
        return b.build();
    }

    /**
     * The payload's top-level numeric {@code ts} (the last one when repeated), or {@code fallback}. On the
     * per-publish path: one streaming pass with the shared factory's parser, matching the name on its bytes, skipping
     * everything else unbuilt.
     */
    static long eventTime(byte[] payload, long fallback) {
        double ts = -1;
        try (JsonParser p = Json.FACTORY.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return fallback;
            }
            while (true) {
                boolean match = p.nextFieldName(EVENT_TIME_NAME);
                if (!match && p.currentToken() != JsonToken.FIELD_NAME) {
                    break; // the object's end
                }
                JsonToken value = p.nextToken();
                if (match && value.isNumeric()) {
                    ts = p.getDoubleValue();
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return fallback; // not reached for payloads detected as JSON
        }
        if (ts < 0 || ts != Math.rint(ts) || ts > 1e15) {
            return fallback;
        }
        return (long) ts;
    }

    static SinkResult toSinkResult(AppendOutcome outcome) {
        return switch (outcome) {
            case STORED -> SinkResult.STORED;
            case QUOTA_EXCEEDED -> SinkResult.QUOTA_EXCEEDED;
            case BUSY -> SinkResult.BUSY;
            case DISK_FULL -> SinkResult.DISK_FULL;
            case IO_ERROR -> SinkResult.IO_ERROR;
            case UNAVAILABLE -> SinkResult.FAILED;
        };
    }
}
