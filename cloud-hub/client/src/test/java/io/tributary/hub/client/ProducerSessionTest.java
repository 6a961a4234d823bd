package io.tributary.hub.client;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.testing.HubSessionContract;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The link contract for {@link Producer}. */
class ProducerSessionTest extends HubSessionContract<Producer> {
    private CompletableFuture<PutResult> last;

    @Override
    protected Producer start(ClientResources resources, ClientOptions client) {
        return Producer.create(
                resources,
                client,
                new ProducerOptions(
                        "telemetry",
                        "producer-1",
                        Codec.CODEC_NONE,
                        100,
                        1 << 20,
                        Duration.ofMillis(1),
                        8,
                        10_000,
                        Duration.ofSeconds(3), // bounds close() against a hub that never answers
                        BACKOFF_INITIAL,
                        BACKOFF_MAX));
    }

    @Override
    protected Frame.BodyCase firstFrame() {
        return Frame.BodyCase.BATCH;
    }

    @Override
    protected void work(Producer client) {
        last = client.put("k", "x".getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected boolean reportsFenced(Producer client) {
        if (!last.isDone()) {
            return false;
        }
        boolean fenced = last.handle((r, e) ->
                        e != null && (e instanceof FencedException || e.getCause() instanceof FencedException))
                .join();
        if (!fenced) {
            work(client);
        }
        return fenced;
    }
}
