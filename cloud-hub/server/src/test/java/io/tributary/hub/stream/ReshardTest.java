package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ReshardTest {

    private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);
    private static final Instant T1 = T0.plusSeconds(60);

    private static StreamDefinition stream(int shards) {
        return StreamDefinition.create("s", KeyMode.GROUP, Retention.UNLIMITED, shards, T0);
    }

    @Test
    void split_noHash_childrenHalveParentAndParentCloses() {
        StreamDefinition s = stream(2);
        ShardDefinition parent = s.requireShard("shard-000001");

        Reshard r = Reshard.split(s, "shard-000001", OptionalLong.empty(), T1);

        assertThat(r.children()).extracting(ShardDefinition::id).containsExactly("shard-000002", "shard-000003");
        ShardDefinition low = r.children().get(0);
        ShardDefinition high = r.children().get(1);
        assertThat(low.range().start()).isEqualTo(parent.range().start());
        assertThat(high.range().end()).isEqualTo(parent.range().end());
        assertThat(low.range().union(high.range())).isEqualTo(parent.range());
        assertThat(high.range().start()).isEqualTo(parent.range().midpoint());
        assertThat(r.children()).allSatisfy(c -> {
            assertThat(c.parentIds()).containsExactly("shard-000001");
            assertThat(c.createdAt()).isEqualTo(T1);
            assertThat(c.isOpen()).isTrue();
        });
        ShardDefinition closed = r.after().requireShard("shard-000001");
        assertThat(closed.closedAt()).contains(T1);
        assertThat(closed.range()).isEqualTo(parent.range());
        assertThat(r.after().openShards())
                .extracting(ShardDefinition::id)
                .containsExactly("shard-000000", "shard-000002", "shard-000003");
    }

    @Test
    void split_explicitHash_cutsThere() {
        Reshard r = Reshard.split(stream(1), "shard-000000", OptionalLong.of(42L), T1);

        assertThat(r.children())
                .extracting(ShardDefinition::range)
                .containsExactly(new HashRange(0, 41), new HashRange(42, -1L));
    }

    @Test
    void merge_adjacentShards_childOwnsUnionAndListsBothParents() {
        StreamDefinition s = stream(3);

        Reshard r = Reshard.merge(s, "shard-000002", "shard-000001", T1);

        ShardDefinition child = r.children().get(0);
        assertThat(child.id()).isEqualTo("shard-000003");
        assertThat(child.parentIds()).containsExactly("shard-000001", "shard-000002");
        assertThat(child.range())
                .isEqualTo(s.requireShard("shard-000001")
                        .range()
                        .union(s.requireShard("shard-000002").range()));
        assertThat(r.closedParents()).allSatisfy(p -> assertThat(p.closedAt()).isEqualTo(Optional.of(T1)));
        assertThat(r.after().childrenOf("shard-000001")).containsExactly(child);
        assertThat(r.after().parentsOf("shard-000003"))
                .extracting(ShardDefinition::id)
                .containsExactly("shard-000001", "shard-000002");
        assertThat(r.after().parentsOf("shard-000000")).isEmpty();
    }

    @Test
    void splitThenMerge_lineageChainsAndIdsKeepIncreasing() {
        StreamDefinition s = Reshard.split(stream(1), "shard-000000", OptionalLong.empty(), T1)
                .after();
        s = Reshard.merge(s, "shard-000001", "shard-000002", T1).after();

        assertThat(s.shards())
                .extracting(ShardDefinition::id)
                .containsExactly("shard-000000", "shard-000001", "shard-000002", "shard-000003");
        assertThat(s.openShards()).extracting(ShardDefinition::range).containsExactly(HashRange.FULL);
        assertThat(s.childrenOf("shard-000000"))
                .extracting(ShardDefinition::id)
                .containsExactly("shard-000001", "shard-000002");
        assertThat(s.nextShardNumber()).isEqualTo(4);
        assertThat(new ShardRouter(s).routeKey("anything").id()).isEqualTo("shard-000003");
    }

    @Test
    void split_closedShard_rejected() {
        StreamDefinition s = Reshard.split(stream(1), "shard-000000", OptionalLong.empty(), T1)
                .after();

        assertReason(
                () -> Reshard.split(s, "shard-000000", OptionalLong.empty(), T1), StreamException.Reason.SHARD_CLOSED);
    }

    @Test
    void split_hashOutsideShard_rejected() {
        StreamDefinition s = stream(2);
        long inOtherShard = s.requireShard("shard-000000").range().start();

        assertReason(
                () -> Reshard.split(s, "shard-000001", OptionalLong.of(inOtherShard), T1),
                StreamException.Reason.INVALID);
    }

    @Test
    void split_unknownShard_notFound() {
        assertReason(
                () -> Reshard.split(stream(1), "shard-000009", OptionalLong.empty(), T1),
                StreamException.Reason.NOT_FOUND);
    }

    @Test
    void merge_nonAdjacent_rejected() {
        assertReason(
                () -> Reshard.merge(stream(3), "shard-000000", "shard-000002", T1),
                StreamException.Reason.NOT_ADJACENT);
    }

    @Test
    void merge_sameShardOrClosedShard_rejected() {
        StreamDefinition s = Reshard.split(stream(2), "shard-000000", OptionalLong.empty(), T1)
                .after();

        assertReason(() -> Reshard.merge(s, "shard-000001", "shard-000001", T1), StreamException.Reason.INVALID);
        assertReason(() -> Reshard.merge(s, "shard-000000", "shard-000001", T1), StreamException.Reason.SHARD_CLOSED);
    }

    @Test
    void split_atMaxOpenShards_limitExceeded() {
        StreamDefinition s = stream(StreamDefinition.MAX_OPEN_SHARDS);

        assertReason(
                () -> Reshard.split(s, "shard-000000", OptionalLong.empty(), T1),
                StreamException.Reason.LIMIT_EXCEEDED);
    }

    @Test
    void childrenOf_unknownShard_notFound() {
        assertReason(() -> stream(1).childrenOf("shard-000005"), StreamException.Reason.NOT_FOUND);
        assertThat(stream(1).childrenOf("shard-000000")).isEqualTo(List.of());
    }

    private static void assertReason(ThrowingCallable call, StreamException.Reason reason) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
