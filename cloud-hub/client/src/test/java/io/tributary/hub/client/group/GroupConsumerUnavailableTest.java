package io.tributary.hub.client.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.testing.FakeHub;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub that cannot have the group's state now (its store is down) answers with {@code unavailable_reason}: no news of
 * the leases, so the member keeps its workers, until the lease timeout since its last real assignment.
 */
class GroupConsumerUnavailableTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int LEASE_TIMEOUT_MS = 3_000;

    private final ClientResources resources = new ClientResources(1);

    @AfterEach
    void tearDown() {
        resources.close();
    }

    @Test
    void unavailableAnswers_keepTheLeases_untilTheLeaseTimeout() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.answerHeartbeats(LeaseAssignment.newBuilder()
                    .setLeaseTimeoutMs(LEASE_TIMEOUT_MS)
                    .addLeases(Lease.newBuilder()
                            .setShardId("shard-0")
                            .setOwner("member-1")
                            .setToken(FakeHub.GRANT)
                            .setCheckpoint(0))
                    .build());
            try (GroupConsumer member = GroupConsumer.start(
                    resources,
                    ClientOptions.builder(List.of(hub.endpoint()))
                            .connectTimeout(Duration.ofSeconds(2))
                            .build(),
                    GroupConsumerOptions.of("telemetry", "analytics")
                            .withMemberId("member-1")
                            .withHeartbeat(Duration.ofMillis(100)),
                    IdleProcessor::new)) {
                await().atMost(WAIT).until(() -> member.ownedShards().contains("shard-0"));

                hub.answerHeartbeats(LeaseAssignment.newBuilder()
                        .setLeaseTimeoutMs(LEASE_TIMEOUT_MS)
                        .setUnavailableReason("group store unavailable (test)")
                        .build());
                int heartbeats = hub.received(Frame.BodyCase.LEASE_HEARTBEAT).size();
                await("several unavailable answers, the shard kept")
                        .atMost(WAIT)
                        .until(() ->
                                hub.received(Frame.BodyCase.LEASE_HEARTBEAT).size() >= heartbeats + 5
                                        && member.ownedShards().contains("shard-0"));

                hub.acceptCheckpoints(true);
                hub.unavailableCheckpoints(2);
                member.checkpoint("shard-0", FakeHub.GRANT, 41, false); // returns: sent again until taken
                assertThat(hub.received(Frame.BodyCase.CHECKPOINT)).hasSize(3);

                await("given up after the lease timeout")
                        .atMost(WAIT)
                        .until(() -> member.ownedShards().isEmpty());
            }
        }
    }
}
