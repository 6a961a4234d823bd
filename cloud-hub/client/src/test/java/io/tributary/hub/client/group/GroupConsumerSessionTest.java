package io.tributary.hub.client.group;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.testing.HubSessionContract;
import io.tributary.protocol.v1.Frame;
import java.time.Duration;

/** The link contract for {@link GroupConsumer} (its reconnect backoff is fixed: 50 ms to 2 s). */
class GroupConsumerSessionTest extends HubSessionContract<GroupConsumer> {
    @Override
    protected GroupConsumer start(ClientResources resources, ClientOptions client) {
        return GroupConsumer.start(
                resources,
                client,
                GroupConsumerOptions.of("telemetry", "analytics")
                        .withMemberId("member-1")
                        .withHeartbeat(Duration.ofSeconds(1)), // over the keepalive interval: pings go out
                IdleProcessor::new);
    }

    @Override
    protected Frame.BodyCase firstFrame() {
        return Frame.BodyCase.LEASE_HEARTBEAT;
    }

    @Override
    protected boolean reportsFenced(GroupConsumer client) {
        return false; // a group member holds no epoch grant: nothing can fence it
    }
}
