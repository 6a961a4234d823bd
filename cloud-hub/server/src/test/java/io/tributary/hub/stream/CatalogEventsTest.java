package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The events that bring a hub from the version of a stream it knew to the catalog's, however many it missed. */
class CatalogEventsTest {
    private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);

    private static StreamDefinition stream(int shards) {
        return StreamDefinition.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), shards, T0);
    }

    /** The events as text, by firing them at a recording listener. */
    private static List<String> events(Optional<StreamDefinition> known, Optional<StreamDefinition> now) {
        List<String> out = new ArrayList<>();
        StreamRegistry.Listener recorder = new StreamRegistry.Listener() {
            @Override
            public void onCreated(StreamDefinition s) {
                out.add("created " + s.shards().size());
            }

            @Override
            public void onDeleted(StreamDefinition s) {
                out.add("deleted " + s.shards().size());
            }

            @Override
            public void onDeletedElsewhere(StreamDefinition s) {
                out.add("deleted elsewhere " + s.shards().size());
            }

            @Override
            public void onResharded(Reshard r) {
                out.add("resharded "
                        + r.closedParents().stream().map(ShardDefinition::id).toList() + "->"
                        + r.children().stream().map(ShardDefinition::id).toList());
            }

            @Override
            public void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {
                out.add("replaced");
            }
        };
        CatalogEvents.between(known, now).forEach(e -> e.accept(recorder));
        return out;
    }

    @Test
    void sameVersion_noEvent() {
        assertThat(events(Optional.of(stream(2)), Optional.of(stream(2)))).isEmpty();
        assertThat(events(Optional.empty(), Optional.empty())).isEmpty();
    }

    @Test
    void newAndGone_createdAndDeleted() {
        assertThat(events(Optional.empty(), Optional.of(stream(2)))).containsExactly("created 2");
        assertThat(events(Optional.of(stream(2)), Optional.empty())).containsExactly("deleted elsewhere 2");
    }

    @Test
    void twoReshardsMissed_oneReshardWithEveryNewShardAsChild() {
        StreamDefinition before = stream(1);
        Reshard first = Reshard.split(before, "shard-000000", OptionalLong.empty(), T0.plusSeconds(1));
        Reshard second = Reshard.split(first.after(), "shard-000001", OptionalLong.empty(), T0.plusSeconds(2));

        // shard-000001 appeared and closed in between: still a child, so the hub opens it and its data can be read.
        assertThat(events(Optional.of(before), Optional.of(second.after())))
                .containsExactly("resharded [shard-000000]->[shard-000001, shard-000002, shard-000003, shard-000004]");
    }

    @Test
    void recreatedUnderTheSameName_deletedThenCreated() {
        StreamDefinition again =
                StreamDefinition.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 3, T0.plusSeconds(9));
        assertThat(events(Optional.of(stream(1)), Optional.of(again)))
                .containsExactly("deleted elsewhere 1", "created 3");
    }

    @Test
    void otherSettingsChanged_replaced() {
        StreamDefinition before = stream(1);
        StreamDefinition after = before.withReplication(
                Replication.create("eu", "h:1", java.util.Map.of("us", "h:2"), Replication.Ack.LOCAL));
        assertThat(events(Optional.of(before), Optional.of(after))).containsExactly("replaced");
    }
}
