package io.tributary.hub.client.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.testing.FakeHub;
import io.tributary.protocol.v1.Frame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub that does not coordinate the group (another hub sharing the store does) answers the heartbeat with a {@code
 * LeaseAssignment} naming the coordinator: the member's session moves there once and heartbeats there.
 */
class GroupConsumerRedirectTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ClientResources resources = new ClientResources(1);

    @AfterEach
    void tearDown() {
        resources.close();
    }

    @Test
    void assignmentNamingTheCoordinator_memberMovesThereOnceAndHeartbeats() throws Exception {
        try (FakeHub other = new FakeHub();
                FakeHub coordinator = new FakeHub()) {
            other.redirectGroupsTo(coordinator.endpoint().toString());
            try (GroupConsumer member = member(other, coordinator)) {
                await().atMost(WAIT)
                        .until(() -> coordinator
                                        .received(Frame.BodyCase.LEASE_HEARTBEAT)
                                        .size()
                                >= 3);
                assertThat(other.hellos()).isEqualTo(1);
                assertThat(coordinator.hellos()).isEqualTo(1);
                assertThat(member.ownedShards()).isEmpty();
            }
        }
    }

    @Test
    void checkpointRefusedNamingTheCoordinator_sentAgainThere() throws Exception {
        try (FakeHub other = new FakeHub();
                FakeHub coordinator = new FakeHub()) {
            other.redirectCheckpointsTo(coordinator.endpoint().toString());
            coordinator.acceptCheckpoints(true);
            try (GroupConsumer member = member(other, coordinator)) {
                await().atMost(WAIT)
                        .until(() ->
                                !other.received(Frame.BodyCase.LEASE_HEARTBEAT).isEmpty());
                member.checkpoint("shard-0", 3, 41, false); // returns: accepted at the coordinator
                assertThat(other.received(Frame.BodyCase.CHECKPOINT)).hasSize(1);
                assertThat(coordinator.received(Frame.BodyCase.CHECKPOINT)).hasSize(1);
                assertThat(firstCheckpointSequence(coordinator)).isEqualTo(41);
            }
        }
    }

    /** A heartbeat's redirect moves the session while a checkpoint waits for its answer: it is sent again there. */
    @Test
    void checkpointPendingWhenAHeartbeatMovesTheSession_sentAgainAtTheCoordinator() throws Exception {
        try (FakeHub other = new FakeHub();
                FakeHub coordinator = new FakeHub()) {
            coordinator.acceptCheckpoints(true);
            try (GroupConsumer member = member(other, coordinator)) {
                await().atMost(WAIT)
                        .until(() ->
                                !other.received(Frame.BodyCase.LEASE_HEARTBEAT).isEmpty());
                CompletableFuture<Void> done = CompletableFuture.runAsync(
                        () -> member.checkpoint("shard-0", 3, 41, false)); // 'other' never answers it
                await().atMost(WAIT)
                        .until(() -> !other.received(Frame.BodyCase.CHECKPOINT).isEmpty());
                other.redirectGroupsTo(coordinator.endpoint().toString()); // the next heartbeat moves the session
                done.get(WAIT.toSeconds(), TimeUnit.SECONDS); // accepted at the coordinator
                assertThat(firstCheckpointSequence(coordinator)).isEqualTo(41);
            }
        }
    }

    private static long firstCheckpointSequence(FakeHub hub) {
        return hub.received(Frame.BodyCase.CHECKPOINT)
                .get(0)
                .frame()
                .getCheckpoint()
                .getSequence();
    }

    /** A member that knows both hubs, 'other' first, heartbeating every 100 ms. */
    private GroupConsumer member(FakeHub other, FakeHub coordinator) {
        return GroupConsumer.start(
                resources,
                ClientOptions.builder(List.of(other.endpoint(), coordinator.endpoint()))
                        .connectTimeout(Duration.ofSeconds(2))
                        .build(),
                GroupConsumerOptions.of("telemetry", "analytics")
                        .withMemberId("member-1")
                        .withHeartbeat(Duration.ofMillis(100)),
                IdleProcessor::new);
    }
}
