package io.tributary.hub.client;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.testing.HubSessionContract;
import io.tributary.protocol.v1.Frame;
import java.util.Optional;

/** The link contract for {@link ShardReader}. */
class ShardReaderSessionTest extends HubSessionContract<ShardReader> {
    @Override
    protected ShardReader start(ClientResources resources, ClientOptions client) {
        return ShardReader.open(
                resources,
                client,
                new ShardReaderOptions(
                        "telemetry",
                        "shard-0",
                        ReadPosition.trimHorizon(),
                        100,
                        0,
                        Optional.empty(),
                        0,
                        BACKOFF_INITIAL,
                        BACKOFF_MAX,
                        false));
    }

    @Override
    protected Frame.BodyCase firstFrame() {
        return Frame.BodyCase.SUBSCRIBE;
    }

    @Override
    protected boolean reportsFenced(ShardReader client) {
        return false; // a reader holds no epoch grant: nothing can fence it
    }
}
