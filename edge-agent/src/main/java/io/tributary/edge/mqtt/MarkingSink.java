package io.tributary.edge.mqtt;

import io.tributary.edge.buffer.LanePosition;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A {@link PublishSink} that also moves named durable markers in the same commit as a record (the buffer's markers,
 * see {@code DurableBuffer#append(List, Map)}): how a receiver remembers exactly which messages it stored, across a
 * crash — the bridge's redelivery marks, the MQTT endpoint's inbound QoS 2 receipts.
 *
 * <p>Threads: as {@link PublishSink}: the methods never block; the stages may complete on any thread.
 */
public interface MarkingSink extends PublishSink {

    /** Stores the publish, moving no marker. */
    @Override
    default CompletionStage<SinkResult> accept(InboundPublish publish) {
        return store(publish, Map.of());
    }

    /** Stores the publish and moves {@code marks} in one durable commit: after a crash, both are there or neither. */
    CompletionStage<SinkResult> store(InboundPublish publish, Map<String, LanePosition> marks);

    /** Moves {@code marks} alone; {@link SinkResult#STORED} once durable. */
    CompletionStage<SinkResult> mark(Map<String, LanePosition> marks);

    /** The committed position of a mark, {@link LanePosition#BEFORE_FIRST} when it never moved. */
    LanePosition mark(String name);
}
