package io.tributary.edge.registry;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.MarkingSink;
import io.tributary.edge.mqtt.SinkResult;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A {@link MarkingSink} that notes each publish in the {@link DeviceRegistry} (in memory, without blocking) before it
 * hands it on, with its markers, to the next sink. Every publish offered counts, stored or refused after: the registry
 * says what devices sent (the MQTT endpoint's and the bridge's alike). Threads: as {@link MarkingSink}.
 */
public final class RecordingSink implements MarkingSink {
    private final DeviceRegistry registry;
    private final MarkingSink next;

    public RecordingSink(DeviceRegistry registry, MarkingSink next) {
        this.registry = registry;
        this.next = next;
    }

    @Override
    public CompletionStage<SinkResult> store(InboundPublish p, Map<String, LanePosition> marks) {
        registry.onPublish(
                p.mapped().group(),
                p.mapped().device(),
                p.clientId(),
                p.mapped().metric(),
                p.payload(),
                p.receiveTimeMs());
        return next.store(p, marks);
    }

    @Override
    public CompletionStage<SinkResult> mark(Map<String, LanePosition> marks) {
        return next.mark(marks);
    }

    @Override
    public LanePosition mark(String name) {
        return next.mark(name);
    }
}
