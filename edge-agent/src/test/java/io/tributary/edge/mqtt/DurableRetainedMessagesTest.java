package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.tributary.edge.state.Journal;
import io.tributary.testsupport.DiskFaults;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable retained-message store in one process: values and properties survive a clean restart without a
 * rebuild; a view that cannot be proven current (crash copy, journal ahead, damaged file) is rebuilt from the journal;
 * a torn journal tail is dropped; compaction keeps the journal bounded and the latest values.
 */
class DurableRetainedMessagesTest {

    private static final long NO_COMPACTION = 1L << 40;

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private DurableRetainedMessages open(Path where, long compactBytes) throws IOException {
        return DurableRetainedMessages.open(where, compactBytes, new MqttMetrics(registry));
    }

    private DurableRetainedMessages open() throws IOException {
        return open(dir, NO_COMPACTION);
    }

    private static LocalMessage message(String topic, String payload) {
        return new LocalMessage(
                topic, payload.getBytes(StandardCharsets.UTF_8), 1, true, null, MqttProperties.NO_PROPERTIES, 0);
    }

    private static void retain(DurableRetainedMessages store, String topic, String payload) {
        store.retain(message(topic, payload)).toCompletableFuture().join();
    }

    private static String value(DurableRetainedMessages store, String topic) {
        List<LocalMessage> m = store.matching(topic, 0);
        return m.isEmpty() ? null : new String(m.get(0).payload(), StandardCharsets.UTF_8);
    }

    private double rebuilds(String reason) {
        return registry.get("tributary.edge.mqtt.retained.rebuilds")
                .tag("reason", reason)
                .counter()
                .count();
    }

    /** What a SIGKILL leaves: the files as they are while the store is open (MapDB never marked clean). */
    private static Path crashCopy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    @Test
    void cleanRestart_keepsValuesAndProperties_withoutRebuild() throws Exception {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, "text/plain"));
        props.add(new MqttProperties.UserProperty("site", "plant-1"));
        props.add(new MqttProperties.UserProperty("line", "7"));
        props.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, new byte[] {1, 2}));
        props.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, 1));
        try (DurableRetainedMessages store = open()) {
            store.retain(new LocalMessage("a/1", new byte[] {9}, 2, true, null, props, 4_000_000_000_000L))
                    .toCompletableFuture()
                    .join();
            retain(store, "a/2", "first");
            retain(store, "a/2", "second");
            retain(store, "a/3", "gone");
            retain(store, "a/3", "");
            assertThat(store.size()).isEqualTo(2);
        }
        try (DurableRetainedMessages store = open()) {
            assertThat(MqttMetrics.RETAINED_REBUILD_REASONS.stream()
                            .mapToDouble(this::rebuilds)
                            .sum())
                    .isZero();
            assertThat(store.size()).isEqualTo(2);
            assertThat(value(store, "a/2")).isEqualTo("second");
            assertThat(value(store, "a/3")).isNull();
            LocalMessage a1 = store.matching("a/+", 0).stream()
                    .filter(m -> m.topic().equals("a/1"))
                    .findFirst()
                    .orElseThrow();
            assertThat(a1.qos()).isEqualTo(2);
            assertThat(a1.expiresAtMillis()).isEqualTo(4_000_000_000_000L);
            assertThat(a1.properties().getProperty(MqttProperties.CONTENT_TYPE).value())
                    .isEqualTo("text/plain");
            assertThat(a1.properties().getProperties(MqttProperties.USER_PROPERTY))
                    .hasSize(2);
            assertThat((byte[]) a1.properties()
                            .getProperty(MqttProperties.CORRELATION_DATA)
                            .value())
                    .containsExactly(1, 2);
            assertThat(store.matching("a/#", 4_000_000_000_000L))
                    .extracting(LocalMessage::topic)
                    .containsExactly("a/2"); // a/1 expired by then
        }
    }

    @Test
    void crashCopy_isRebuiltFromTheJournal() throws Exception {
        Path crashed;
        try (DurableRetainedMessages store = open()) {
            for (int i = 0; i < 100; i++) {
                retain(store, "t/" + (i % 10), "v" + i);
            }
            retain(store, "t/0", "");
            crashed = crashCopy(dir, dir.resolveSibling(dir.getFileName() + "-crashed"));
        }
        try (DurableRetainedMessages store = open(crashed, NO_COMPACTION)) {
            // MapDB refuses the copy's header (not closed) or opens it and finds it not marked clean
            assertThat(rebuilds("not_clean_shutdown") + rebuilds("unreadable")).isEqualTo(1);
            assertThat(store.size()).isEqualTo(9);
            assertThat(value(store, "t/0")).isNull();
            assertThat(value(store, "t/9")).isEqualTo("v99");
        }
    }

    @Test
    void journalAheadOfTheView_isRebuilt() throws Exception {
        try (DurableRetainedMessages store = open()) {
            retain(store, "x", "old");
        }
        // a change that reached the journal but not the view (e.g. a crash between the two)
        Journal journal = Journal.open(dir.resolve(DurableRetainedMessages.JOURNAL), b -> {})
                .journal();
        journal.append(RetainedCodec.set(2, message("x", "new")));
        journal.sync();
        journal.close();
        try (DurableRetainedMessages store = open()) {
            assertThat(rebuilds("behind_journal")).isEqualTo(1);
            assertThat(value(store, "x")).isEqualTo("new");
        }
    }

    @Test
    void damagedView_isRebuilt_notAStartFailure() throws Exception {
        try (DurableRetainedMessages store = open()) {
            retain(store, "x", "kept");
        }
        Files.write(dir.resolve(DurableRetainedMessages.MAPDB), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        try (DurableRetainedMessages store = open()) {
            assertThat(rebuilds("unreadable") + rebuilds("not_clean_shutdown")).isEqualTo(1);
            assertThat(value(store, "x")).isEqualTo("kept");
        }
    }

    @Test
    void tornJournalTail_isDropped_restKept() throws Exception {
        try (DurableRetainedMessages store = open()) {
            retain(store, "x", "kept");
        }
        Files.write(
                dir.resolve(DurableRetainedMessages.JOURNAL),
                new byte[] {0, 0, 0, 40, 1, 2, 3},
                StandardOpenOption.APPEND);
        try (DurableRetainedMessages store = open()) {
            assertThat(value(store, "x")).isEqualTo("kept");
            retain(store, "y", "after");
        }
        try (DurableRetainedMessages store = open()) {
            assertThat(value(store, "y")).isEqualTo("after"); // not lost behind the torn frame
        }
    }

    @Test
    void compaction_boundsTheJournal_andKeepsTheLatestValues() throws Exception {
        Path crashed;
        try (DurableRetainedMessages store = open(dir, 4096)) {
            for (int i = 0; i < 2000; i++) {
                retain(store, "c/" + (i % 20), "value-" + i);
            }
            assertThat(store.journalBytes()).isLessThan(3 * 4096);
            assertThat(registry.get("tributary.edge.mqtt.retained.compactions")
                            .counter()
                            .count())
                    .isPositive();
            crashed = crashCopy(dir, dir.resolveSibling(dir.getFileName() + "-compacted"));
        }
        try (DurableRetainedMessages store = open(crashed, 4096)) {
            assertThat(store.size()).isEqualTo(20);
            assertThat(value(store, "c/19")).isEqualTo("value-1999");
            retain(store, "c/0", "later");
        }
        try (DurableRetainedMessages store = open(crashed, 4096)) {
            assertThat(value(store, "c/0")).isEqualTo("later");
        }
    }

    @Test
    void journalWriteFails_changeRefused_healthFailingAndCounted_untilAWriteSucceeds() throws Exception {
        DiskFaults disk = new DiskFaults();
        try (DurableRetainedMessages store =
                DurableRetainedMessages.open(dir, NO_COMPACTION, new MqttMetrics(registry), disk::open)) {
            retain(store, "a", "1");
            disk.failAt(DiskFaults.Point.FORCE, DurableRetainedMessages.JOURNAL, DiskFaults.ioError());
            assertThat(store.retain(message("a", "2")).toCompletableFuture())
                    .failsWithin(java.time.Duration.ofSeconds(10));
            assertThat(store.health().status().ok()).isFalse();
            assertThat(store.health().status().lastError()).contains("Input/output error");
            assertThat(registry.get("tributary.edge.state.write.failures")
                            .tag("store", "retained")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(value(store, "a"))
                    .as("the refused change is not applied")
                    .isEqualTo("1");

            disk.clear();
            retain(store, "a", "3");
            assertThat(store.health().status().ok()).isTrue();
            assertThat(store.health().status().failures()).isEqualTo(1);
        }
        try (DurableRetainedMessages reopened = open()) {
            assertThat(value(reopened, "a")).isEqualTo("3");
        }
    }
}
