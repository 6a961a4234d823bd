package io.tributary.edge.registry;

import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.PublishSink;
import io.tributary.edge.mqtt.SinkResult;
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
        registry.onPublish(
                p.mapped().group(),
                p.mapped().device(),
                p.clientId(),
                p.mapped().metric(),
                p.payload(),
                p.receiveTimeMs());
        return next.accept(p);
    }
}
