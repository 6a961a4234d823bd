package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.store.pulsar.meta.KeyedTable;
import io.tributary.hub.store.pulsar.meta.PulsarStreamCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keyed table on its own: two tables on one topic see each other's changes; a change waits for the lock another
 * process holds and fails (writing nothing) when the lock timeout passes; a refused change writes nothing and
 * releases the lock; a hub does not start on a catalog holding an entry it cannot decode.
 */
class KeyedTableIT {
    private static final KeyedTable.Codec<String> TEXT = new KeyedTable.Codec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(String key, byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private PulsarClient client;
    private String namespace;
    private String topic;

    @BeforeEach
    void topic() throws Exception {
        client = PulsarClient.builder().serviceUrl(PULSAR.broker().serviceUrl()).build();
        namespace = "table-it-" + System.nanoTime();
        PulsarAdminRest admin = new PulsarAdminRest(PULSAR.broker().adminUrl(), Duration.ofSeconds(20));
        admin.createNamespace("public", namespace);
        admin.createTopic("public", namespace, "t");
        topic = "persistent://public/" + namespace + "/t";
    }

    @AfterEach
    void closeClient() throws Exception {
        client.close();
    }

    private KeyedTable<String> table(Duration lockTimeout) throws IOException {
        return KeyedTable.open(
                client,
                topic,
                TEXT,
                new KeyedTable.Settings(lockTimeout, Duration.ofSeconds(20), Duration.ofSeconds(5)));
    }

    @Test
    void twoTables_seeEachOthersChangesAndTombstones() throws Exception {
        try (KeyedTable<String> one = table(Duration.ofSeconds(10));
                KeyedTable<String> two = table(Duration.ofSeconds(10))) {
            List<String> told = new CopyOnWriteArrayList<>();
            two.listen(told::add);
            assertThat(one.update("k", v -> Optional.of("v1")).before()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> two.get("k").equals(Optional.of("v1")));
            KeyedTable.Update<String> u = two.update("k", v -> Optional.of(v.orElseThrow() + "+v2"));
            assertThat(u.before()).contains("v1");
            assertThat(u.after()).contains("v1+v2");
            one.update("k", v -> Optional.empty());
            await().atMost(Duration.ofSeconds(10)).until(() -> two.get("k").isEmpty());
            // listeners run on the table's thread, after get() has the value: wait for them too
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(told).containsExactly("k", "k", "k"));
            assertThat(two.problems()).isEmpty();
        }
    }

    @Test
    void lockHeldElsewhere_changeFailsAfterTheLockTimeoutWritingNothing_thenGoesThroughOnceReleased() throws Exception {
        try (KeyedTable<String> table = table(Duration.ofSeconds(2))) {
            Producer<byte[]> holder = client.newProducer(Schema.BYTES)
                    .topic(topic)
                    .accessMode(ProducerAccessMode.Exclusive)
                    .create();
            long start = System.nanoTime();
            assertThatThrownBy(() -> table.update("k", v -> Optional.of("never")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("table " + topic)
                    .hasMessageContaining("the lock is held by another process (waited 2000 ms)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            holder.close();
            assertThat(table.update("k", v -> Optional.of("after")).before())
                    .as("the failed change wrote nothing")
                    .isEmpty();
            assertThat(table.get("k")).contains("after");
        }
    }

    @Test
    void refusedChange_writesNothingAndReleasesTheLock() throws Exception {
        try (KeyedTable<String> table = table(Duration.ofSeconds(5))) {
            table.update("k", v -> Optional.of("v1"));
            assertThatThrownBy(() -> table.update("k", v -> {
                        throw new IllegalStateException("refused: " + v.orElseThrow());
                    }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("refused: v1");
            assertThat(table.update("k", v -> v).after()).contains("v1");
        }
    }

    @Test
    void catalogWithAnUndecodableEntry_hubDoesNotStartAndNamesIt() throws Exception {
        String catalog = "persistent://public/" + namespace + "/" + PulsarStreamCatalog.TOPIC;
        new PulsarAdminRest(PULSAR.broker().adminUrl(), Duration.ofSeconds(20))
                .createTopic("public", namespace, PulsarStreamCatalog.TOPIC);
        try (Producer<byte[]> raw =
                client.newProducer(Schema.BYTES).topic(catalog).create()) {
            raw.newMessage().key("garbled").value(new byte[] {1, 2, 3}).send();
        }
        assertThatThrownBy(() -> {
                    try (Hub hub =
                            PulsarHubs.start(Files.createDirectory(dir.resolve("hub")), PULSAR.broker(), namespace)) {
                        hub.port();
                    }
                })
                .isInstanceOf(IOException.class)
                .hasMessageContaining("store=pulsar: stream catalog " + catalog + ": holds 1 unreadable entry")
                .hasMessageContaining("catalog entry 'garbled' of " + catalog + ": truncated header");
    }
}
