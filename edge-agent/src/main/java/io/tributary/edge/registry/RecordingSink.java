package io.tributary.edge.registry;

import io.tributary.edge.bridge.BridgeSink;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.PublishSink;
import io.tributary.edge.mqtt.SinkResult;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A {@link PublishSink} that notes each publish in the {@link DeviceRegistry} (in memory, without blocking) before it
 * hands it on. Every publish offered counts, stored or refused after: the registry says what devices sent. Threads: as
 * {@link PublishSink}.
 */
public final class RecordingSink implements PublishSink {
    private final DeviceRegistry registry;
    private final PublishSink next;

    public RecordingSink(DeviceRegistry registry, PublishSink next) {
        this.registry = registry;
        this.next = next;
    }

    @Override
    public CompletionStage<SinkResult> accept(InboundPublish p) {
        note(p);
        return next.accept(p);
    }

    /** The bridge's sink: notes each message it stores here too, then hands it to {@code store} with its marks. */
    public BridgeSink bridged(BridgeSink store) {
        return new BridgeSink() {
            @Override
            public CompletionStage<SinkResult> store(InboundPublish p, Map<String, LanePosition> marks) {
                note(p);
                return store.store(p, marks);
            }

            @Override
            public CompletionStage<SinkResult> mark(Map<String, LanePosition> marks) {
                return store.mark(marks);
            }

            @Override
            public LanePosition mark(String name) {
                return store.mark(name);
            }
        };
    }

    private void note(InboundPublish p) {
        registry.onPublish(
                p.mapped().group(),
                p.mapped().device(),
                p.clientId(),
                p.mapped().metric(),
                p.payload(),
                p.receiveTimeMs());
    }
}
