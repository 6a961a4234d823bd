package io.tributary.edge.bridge;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.SinkResult;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where {@link BrokerBridge} stores what it receives: the durable buffer, with the bridge's {@link RedeliveryMarks}
 * moved in the same group commit as the record (buffer markers, see {@code DurableBuffer#append(List, Map)}).
 *
 * <p>Threads: as {@code PublishSink}: the methods never block; the stages may complete on any thread.
 */
public interface BridgeSink {

    /** Stores the publish and moves {@code marks} in one durable commit: after a crash, both are there or neither. */
    CompletionStage<SinkResult> store(InboundPublish publish, Map<String, LanePosition> marks);

    /** Moves {@code marks} alone; {@link SinkResult#STORED} once durable. */
    CompletionStage<SinkResult> mark(Map<String, LanePosition> marks);

    /** The committed position of a mark, {@link LanePosition#BEFORE_FIRST} when it never moved. */
    LanePosition mark(String name);
}
