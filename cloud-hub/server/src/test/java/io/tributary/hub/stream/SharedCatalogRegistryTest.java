package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two registries ("hubs") over one shared catalog: each publishes and tells its listeners of the other's changes as of
 * its own, and every mutation decides on the catalog's newest version, not on the hub's possibly older snapshot.
 */
class SharedCatalogRegistryTest {
    private final MutableClock clock = new MutableClock(1_700_000_000_123L);
    private final SharedMemoryCatalog shared = new SharedMemoryCatalog();

    /** A registry following the shared catalog, with a listener recording its events. */
    private record HubUnderTest(StreamRegistry registry, List<String> events) {}

    private HubUnderTest hub() {
        StreamRegistry registry = StreamRegistry.open(shared.view(), clock);
        List<String> events = new CopyOnWriteArrayList<>();
        registry.addListener(new StreamRegistry.Listener() {
            @Override
            public void onCreated(StreamDefinition stream) {
                events.add("created " + stream.name() + " " + stream.shards().size());
            }

            @Override
            public void onDeleted(StreamDefinition stream) {
                events.add("deleted " + stream.name());
            }

            @Override
            public void onDeletedElsewhere(StreamDefinition stream) {
                events.add("deleted elsewhere " + stream.name());
            }

            @Override
            public void onResharded(Reshard reshard) {
                events.add("resharded " + ids(reshard.closedParents()) + "->" + ids(reshard.children()));
            }

            @Override
            public void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {
                events.add("replaced " + after.name());
            }
        });
        registry.followCatalog();
        return new HubUnderTest(registry, events);
    }

    private static List<String> ids(List<ShardDefinition> shards) {
        return shards.stream().map(ShardDefinition::id).toList();
    }

    private static StreamDefinition create(StreamRegistry registry, String name, int shards) {
        return registry.create(name, KeyMode.GROUP, new Retention(Duration.ofDays(7), 0), shards);
    }

    @Test
    void changesOnOneHub_publishedOnTheOtherWithTheSameEvents() {
        shared.deliverAtOnce(true);
        HubUnderTest a = hub();
        HubUnderTest b = hub();

        StreamDefinition created = create(a.registry(), "s", 2);
        assertThat(b.registry().describe("s")).isEqualTo(created);
        Reshard split = b.registry().split("s", "shard-000001", OptionalLong.empty());
        assertThat(a.registry().describe("s")).isEqualTo(split.after());
        a.registry().merge("s", "shard-000002", "shard-000003");
        assertThat(b.registry().describe("s")).isEqualTo(a.registry().describe("s"));
        b.registry().delete("s");
        assertThat(a.registry().find("s")).isEmpty();

        List<String> expected = List.of(
                "created s 2",
                "resharded [shard-000001]->[shard-000002, shard-000003]",
                "resharded [shard-000002, shard-000003]->[shard-000004]");
        assertThat(a.events()).startsWith(expected.toArray(String[]::new)).endsWith("deleted elsewhere s");
        assertThat(b.events()).startsWith(expected.toArray(String[]::new)).endsWith("deleted s");
    }

    @Test
    void aHubBehindTheCatalog_decidesOnTheNewestVersionAndCatchesUpFirst() {
        HubUnderTest a = hub();
        HubUnderTest b = hub();
        create(a.registry(), "s", 1);
        a.registry().split("s", "shard-000000", OptionalLong.empty());
        assertThat(b.registry().find("s")).as("b has not been told yet").isEmpty();

        // b's snapshot lacks the stream; the catalog has it split: b merges the children, and its listeners see the
        // stream appear first, then its own change.
        Reshard merge = b.registry().merge("s", "shard-000001", "shard-000002");
        assertThat(merge.before().shards()).hasSize(3);
        assertThat(b.events()).containsExactly("created s 3", "resharded [shard-000001, shard-000002]->[shard-000003]");
        // A second split of shard 0 on b is refused on the catalog's version (closed), not on b's.
        assertThatThrownBy(() -> b.registry().split("s", "shard-000000", OptionalLong.empty()))
                .isInstanceOfSatisfying(
                        StreamException.class,
                        e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.SHARD_CLOSED));

        shared.deliver();
        assertThat(a.registry().describe("s")).isEqualTo(b.registry().describe("s"));
        assertThat(a.events())
                .containsExactly(
                        "created s 1",
                        "resharded [shard-000000]->[shard-000001, shard-000002]",
                        "resharded [shard-000001, shard-000002]->[shard-000003]");
        assertThat(b.events()).as("b's own changes are not told twice").hasSize(2);
    }

    @Test
    void sameStreamCreatedOnBothHubsAtOnce_oneSucceedsTheOtherAlreadyExists() throws Exception {
        shared.deliverAtOnce(true);
        HubUnderTest a = hub();
        HubUnderTest b = hub();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 50; round++) {
                String name = "race-" + round;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> outcomes = new ArrayList<>();
                for (StreamRegistry r : List.of(a.registry(), b.registry())) {
                    outcomes.add(threads.submit(() -> {
                        go.await();
                        try {
                            create(r, name, 1);
                            return "created";
                        } catch (StreamException e) {
                            return e.reason().name();
                        }
                    }));
                }
                go.countDown();
                List<String> got = new ArrayList<>();
                for (Future<String> f : outcomes) {
                    got.add(f.get(10, TimeUnit.SECONDS));
                }
                assertThat(got).containsExactlyInAnyOrder("created", "ALREADY_EXISTS");
                assertThat(a.registry().describe(name)).isEqualTo(b.registry().describe(name));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void deletedAndCreatedAgainWhileAHubWasBehind_toldAsDeleteThenCreate() {
        HubUnderTest a = hub();
        HubUnderTest b = hub();
        create(a.registry(), "s", 1);
        shared.deliver();
        a.registry().delete("s");
        clock.advance(Duration.ofSeconds(1));
        create(a.registry(), "s", 3);
        b.events().clear();

        shared.deliver();

        assertThat(b.events()).containsExactly("deleted elsewhere s", "created s 3");
        assertThat(b.registry().describe("s").shards()).hasSize(3);
    }
}
