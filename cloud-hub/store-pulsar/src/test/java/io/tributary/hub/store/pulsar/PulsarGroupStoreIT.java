package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupKey;
import io.tributary.hub.group.GroupStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PulsarGroupStore} on the test broker, two stores as two hubs: one coordinator per group (the other is told
 * its endpoint), rows durable and readable by the other, a coordinator whose connection goes loses the group (its
 * commits fail), and the other takes it over with every row and the former coordinator's name.
 */
class PulsarGroupStoreIT {
    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private String namespace;

    @BeforeEach
    void namespace() throws Exception {
        namespace = "groups-it-" + System.nanoTime();
        PulsarAdminRest admin = new PulsarAdminRest(PULSAR.broker().adminUrl(), Duration.ofSeconds(20));
        admin.createNamespace("public", namespace);
        admin.configureNamespace("public", namespace); // as the store does: no automatic topic creation
    }

    private PulsarGroupStore store(PulsarClient client, String endpoint, SimpleMeterRegistry registry) {
        return new PulsarGroupStore(
                client,
                new PulsarAdminRest(PULSAR.broker().adminUrl(), Duration.ofSeconds(20)),
                new PulsarGroupStore.Settings(
                        "public", namespace, Duration.ofSeconds(20), 1 << 20, endpoint, Duration.ofMillis(200)),
                registry);
    }

    private static PulsarClient client() throws Exception {
        return PulsarClient.builder().serviceUrl(PULSAR.broker().serviceUrl()).build();
    }

    @Test
    void oneCoordinatorPerGroup_rowsDurableAndShared_lostOnDisconnect_takenOverWithEveryRow() throws Exception {
        GroupKey key = new GroupKey("orders.v2", "billing-1");
        PulsarClient firstClient = client();
        SimpleMeterRegistry secondRegistry = new SimpleMeterRegistry();
        try (PulsarGroupStore first = store(firstClient, "127.0.0.1:7001", new SimpleMeterRegistry());
                PulsarGroupStore second = store(client(), "127.0.0.1:7002", secondRegistry)) {
            AtomicReference<String> lost = new AtomicReference<>();
            first.onLost((k, why) -> lost.set(k + ": " + why));

            assertThat(first.claim(key).get(30, TimeUnit.SECONDS))
                    .isEqualTo(new GroupStore.Coordinating(java.util.Map.of()));
            GroupStore.Claim refused = second.claim(key).get(30, TimeUnit.SECONDS);
            assertThat(refused).isInstanceOf(GroupStore.Elsewhere.class);
            assertThat(((GroupStore.Elsewhere) refused).endpoint()).isEqualTo("127.0.0.1:7001");

            CheckpointStore.Row r0 = new CheckpointStore.Row(key.shard("shard-000000"), -1, 1, false);
            CheckpointStore.Row r1 = new CheckpointStore.Row(key.shard("shard-000001"), -1, 1, false);
            first.commit(key, List.of(r0, r1)).get(30, TimeUnit.SECONDS);
            CheckpointStore.Row r0b = new CheckpointStore.Row(key.shard("shard-000000"), 99, 1, false);
            CheckpointStore.Row r1b = new CheckpointStore.Row(key.shard("shard-000001"), 12, 1, true);
            first.commit(key, List.of(r0b)).get(30, TimeUnit.SECONDS);
            first.commit(key, List.of(r1b)).get(30, TimeUnit.SECONDS);
            assertThat(second.read(key).get(30, TimeUnit.SECONDS))
                    .containsEntry("shard-000000", r0b)
                    .containsEntry("shard-000001", r1b)
                    .hasSize(2);
            assertThat(second.read(new GroupKey("orders.v2", "nobody")).get(30, TimeUnit.SECONDS))
                    .isEmpty();
            assertThat(second.groupsOf("orders.v2")).containsExactly("billing-1");
            assertThat(second.groupsOf("orders")).isEmpty();

            // The first coordinator's connection goes (as a hub cut off from the brokers): it loses the group.
            firstClient.close();
            await("the group lost").atMost(Duration.ofSeconds(10)).until(() -> lost.get() != null);
            assertThat(lost.get()).contains("billing-1");
            assertThat(first.problems()).hasSize(1);
            assertThatThrownBy(() -> first.commit(key, List.of(r0b)).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);

            // The second takes it over (after its refusal is no longer answered from memory) with every row.
            await("taken over")
                    .atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> second.claim(key).get(30, TimeUnit.SECONDS) instanceof GroupStore.Coordinating c
                            && c.rows().equals(java.util.Map.of("shard-000000", r0b, "shard-000001", r1b)));
            assertThat(secondRegistry
                            .get("tributary.store.pulsar.group.takeovers")
                            .counter()
                            .count())
                    .isEqualTo(1);
            second.commit(key, List.of(new CheckpointStore.Row(key.shard("shard-000000"), 120, 2, false)))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A deleted stream's group reset by another hub: taken without fencing when its coordinator lets go (as a hub does
     * on hearing of the deletion), fenced after the handover when it does not (its next commit fails and it loses the
     * group); the rows read as nothing processed with raised tokens, and a claim after loads them. The resetting
     * store's own other group is untouched; a coordinator resetting its own group lets it go without a loss; a group
     * without a topic is not created.
     */
    @Test
    void resetByAnotherHub_handedOverOrFenced_rowsNothingProcessedTokensRaised_otherGroupsUntouched() throws Exception {
        GroupKey key = new GroupKey("deleted.v1", "g");
        GroupKey other = new GroupKey("kept", "g");
        try (PulsarGroupStore first = store(client(), "127.0.0.1:7004", new SimpleMeterRegistry());
                PulsarGroupStore second = store(client(), "127.0.0.1:7005", new SimpleMeterRegistry())) {
            List<String> lost = new java.util.concurrent.CopyOnWriteArrayList<>();
            first.onLost((k, why) -> lost.add(k.toString()));
            second.onLost((k, why) -> lost.add(k.toString()));
            assertThat(first.claim(key).get(30, TimeUnit.SECONDS)).isInstanceOf(GroupStore.Coordinating.class);
            assertThat(second.claim(other).get(30, TimeUnit.SECONDS)).isInstanceOf(GroupStore.Coordinating.class);
            CheckpointStore.Row r0 = new CheckpointStore.Row(key.shard("shard-000000"), 99, 3, false);
            CheckpointStore.Row r1 = new CheckpointStore.Row(key.shard("shard-000001"), 12, 5, true);
            CheckpointStore.Row kept = new CheckpointStore.Row(other.shard("shard-000000"), 7, 2, false);
            first.commit(key, List.of(r0, r1)).get(30, TimeUnit.SECONDS);
            second.commit(other, List.of(kept)).get(30, TimeUnit.SECONDS);
            assertThat(second.listGroups("deleted.v1")).containsExactly("g");

            // Handed over: the coordinator lets go, the reset takes the topic without fencing.
            first.release(key);
            second.reset(key).get(30, TimeUnit.SECONDS);
            assertThat(second.read(key).get(30, TimeUnit.SECONDS)).isEqualTo(rows(key, 4, 6));

            // Claimed again (a stream created again under the name): from the reset rows.
            await("claimed again from the reset rows")
                    .atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> first.claim(key).get(30, TimeUnit.SECONDS) instanceof GroupStore.Coordinating c
                            && c.rows().equals(rows(key, 4, 6)));

            // Fenced: the coordinator does not let go within the handover; its next commit fails, it loses the group.
            long start = System.nanoTime();
            second.reset(key).get(30, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(GroupReset.HANDOVER);
            assertThat(second.read(key).get(30, TimeUnit.SECONDS)).isEqualTo(rows(key, 5, 7));
            assertThatThrownBy(() -> first.commit(key, List.of(r0)).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
            await("the fenced coordinator loses the group")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> lost.contains(key.toString()));
            assertThat(second.read(key).get(30, TimeUnit.SECONDS)).isEqualTo(rows(key, 5, 7));

            // The resetting store's other group: still its own, its row as it was.
            assertThat(second.coordinates(other)).isTrue();
            assertThat(second.read(other).get(30, TimeUnit.SECONDS)).isEqualTo(java.util.Map.of("shard-000000", kept));
            second.commit(other, List.of(kept)).get(30, TimeUnit.SECONDS);
            assertThat(lost).containsExactly(key.toString());

            // The coordinator resets its own group: it lets it go, no loss, no handover wait; the tokens rise again.
            await("claimed again after the fence")
                    .atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> second.claim(key).get(30, TimeUnit.SECONDS) instanceof GroupStore.Coordinating);
            start = System.nanoTime();
            second.reset(key).get(30, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(GroupReset.HANDOVER);
            assertThat(second.coordinates(key)).isFalse();
            assertThat(second.read(key).get(30, TimeUnit.SECONDS)).isEqualTo(rows(key, 6, 8));
            assertThat(lost).containsExactly(key.toString());

            // A group that has no topic: nothing to reset, and no topic made.
            second.reset(new GroupKey("deleted.v1", "never")).get(30, TimeUnit.SECONDS);
            assertThat(second.listGroups("deleted.v1")).containsExactly("g");
        }
    }

    /** Two reset rows of {@code key}: nothing processed, not finished, with these tokens. */
    private static java.util.Map<String, CheckpointStore.Row> rows(GroupKey key, long token0, long token1) {
        return java.util.Map.of(
                "shard-000000", new CheckpointStore.Row(key.shard("shard-000000"), -1, token0, false),
                "shard-000001", new CheckpointStore.Row(key.shard("shard-000001"), -1, token1, false));
    }

    /** A group held by something that is not a hub is run nowhere known: /health says so until it is run again. */
    @Test
    void heldByANonHubProducer_unavailable_listedAsAProblem_untilClaimedAgain() throws Exception {
        GroupKey key = new GroupKey("orders.v2", "audit");
        try (PulsarClient plain = client();
                PulsarGroupStore store = store(client(), "127.0.0.1:7003", new SimpleMeterRegistry())) {
            assertThat(store.claim(key).get(30, TimeUnit.SECONDS)).isInstanceOf(GroupStore.Coordinating.class);
            store.release(key);
            String topic = "persistent://public/" + namespace + "/" + PulsarGroupStore.localName(key);
            org.apache.pulsar.client.api.Producer<byte[]> intruder = await("the topic taken by a plain producer")
                    .atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(
                            () -> plain.newProducer()
                                    .topic(topic)
                                    .producerName("not-a-hub")
                                    .accessMode(org.apache.pulsar.client.api.ProducerAccessMode.Exclusive)
                                    .create(),
                            p -> p != null);

            assertThat(store.claim(key).get(30, TimeUnit.SECONDS)).isInstanceOf(GroupStore.Unavailable.class);
            assertThat(store.problems()).anyMatch(p -> p.contains("audit") && p.contains("not run anywhere known"));

            intruder.close();
            await("claimed again")
                    .atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> store.claim(key).get(30, TimeUnit.SECONDS) instanceof GroupStore.Coordinating);
            assertThat(store.problems()).isEmpty();
        }
    }
}
