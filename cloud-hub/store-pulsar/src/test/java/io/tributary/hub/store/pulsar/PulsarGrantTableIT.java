package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.epoch.GrantTable.Claim;
import io.tributary.hub.store.pulsar.meta.KeyedTable;
import io.tributary.hub.store.pulsar.meta.PulsarGrantTable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Epoch grants shared by two hubs over one Pulsar namespace (two tables on one topic, each with its own client, as
 * two hub processes have): new grants are unique and above every grant either gave, also when both claim at once; an
 * id that moves keeps its grant; a new instance of an id at one hub fences the holder at the other; a table reopened
 * from the topic (a hub restarted on an empty data dir) knows every grant.
 */
class PulsarGrantTableIT {

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private String topic;

    @BeforeEach
    void topic() throws Exception {
        String namespace = "grants-it-" + System.nanoTime();
        PulsarAdminRest admin = new PulsarAdminRest(PULSAR.broker().adminUrl(), Duration.ofSeconds(20));
        admin.createNamespace("public", namespace);
        admin.createTopic("public", namespace, PulsarGrantTable.TOPIC);
        topic = "persistent://public/" + namespace + "/" + PulsarGrantTable.TOPIC;
    }

    private PulsarGrantTable open() throws IOException {
        return open(Duration.ofSeconds(20));
    }

    private PulsarGrantTable open(Duration lockTimeout) throws IOException {
        PulsarClient client =
                PulsarClient.builder().serviceUrl(PULSAR.broker().serviceUrl()).build();
        return PulsarGrantTable.open(
                client,
                topic,
                new KeyedTable.Settings(lockTimeout, Duration.ofSeconds(20), Duration.ofSeconds(5)),
                Clock.systemUTC());
    }

    private static long granted(Claim claim) {
        assertThat(claim).isInstanceOf(Claim.Granted.class);
        return ((Claim.Granted) claim).grant();
    }

    @Test
    void twoHubs_grantsUniqueAndGrowing_movedIdKeepsItsGrant_newInstanceFencesTheOldHolder() throws Exception {
        try (PulsarGrantTable a = open();
                PulsarGrantTable b = open()) {
            long g1 = granted(a.claim("edge-1", 0));
            long g2 = granted(b.claim("edge-2", 0));
            assertThat(g2).as("above every grant any hub gave").isGreaterThan(g1);
            assertThat(g1 % GrantTable.GRANT_UNIT).isZero();

            // edge-1 moves to hub b with its grant: kept, nothing written
            assertThat(granted(b.claim("edge-1", g1))).isEqualTo(g1);
            // a wiped edge-1 (no grant) starts at b: a new grant, which fences the holder at a once a has read it
            long g3 = granted(b.claim("edge-1", 0));
            assertThat(g3).isGreaterThan(g2);
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.isCurrent("edge-1", g1));
            assertThat(a.isCurrent("edge-1", g3)).isTrue();
            assertThat(a.claim("edge-1", g1)).isEqualTo(new Claim.Fenced(g3));
        }
        try (PulsarGrantTable reopened = open()) { // a hub restarted on an empty data dir
            assertThat(reopened.size()).isEqualTo(2);
            long next = granted(reopened.claim("edge-3", 0));
            assertThat(next).isGreaterThan(reopened.current("edge-1"));
        }
    }

    @Test
    void bothHubsClaimingAtOnce_everyNewGrantDistinct() throws Exception {
        int perHub = 15;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (PulsarGrantTable a = open();
                PulsarGrantTable b = open()) {
            List<Future<Long>> claims = new ArrayList<>();
            for (int i = 0; i < perHub; i++) {
                String n = Integer.toString(i);
                claims.add(pool.submit(() -> granted(a.claim("a-" + n, 0))));
                claims.add(pool.submit(() -> granted(b.claim("b-" + n, 0))));
            }
            Set<Long> grants = new HashSet<>();
            for (Future<Long> f : claims) {
                grants.add(f.get());
            }
            assertThat(grants).hasSize(2 * perHub);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.size() == 2 * perHub && b.size() == 2 * perHub);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void reconnectWithTheCurrentGrant_needsNoLock_aNewGrantDoes() throws Exception {
        try (PulsarGrantTable table = open(Duration.ofSeconds(2));
                PulsarClient other = PulsarClient.builder()
                        .serviceUrl(PULSAR.broker().serviceUrl())
                        .build()) {
            long g = granted(table.claim("edge-1", 0));
            // another process holds the table's lock
            try (org.apache.pulsar.client.api.Producer<byte[]> holder = other.newProducer(
                            org.apache.pulsar.client.api.Schema.BYTES)
                    .topic(topic)
                    .accessMode(org.apache.pulsar.client.api.ProducerAccessMode.Exclusive)
                    .create()) {
                assertThat(granted(table.claim("edge-1", g))).isEqualTo(g);
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> table.claim("edge-2", 0))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("the lock is held by another process");
            }
            assertThat(granted(table.claim("edge-2", 0))).isGreaterThan(g);
        }
    }
}
