package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardRouterTest {

    private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);

    private static StreamDefinition stream(KeyMode mode, int shards) {
        return StreamDefinition.create("s", mode, Retention.UNLIMITED, shards, T0);
    }

    @Test
    void routeHash_rangeBoundaries_hitOwningShard() {
        StreamDefinition s = stream(KeyMode.GROUP, 7);
        ShardRouter router = new ShardRouter(s);

        for (ShardDefinition shard : s.shards()) {
            assertThat(router.routeHash(shard.range().start())).isEqualTo(shard);
            assertThat(router.routeHash(shard.range().end())).isEqualTo(shard);
        }
        assertThat(router.routeHash(-1L)).isEqualTo(s.shards().get(6));
        assertThat(router.routeHash(0L)).isEqualTo(s.shards().get(0));
    }

    @Test
    void route_sameKeyAcrossRouters_sameShard() {
        ShardRouter a = new ShardRouter(stream(KeyMode.GROUP, 16));
        ShardRouter b = new ShardRouter(stream(KeyMode.GROUP, 16));

        for (int i = 0; i < 500; i++) {
            String group = "group-" + i;
            ShardDefinition shard = a.route(group, "any");
            assertThat(shard.range().contains(PartitionKeys.hash(group))).isTrue();
            assertThat(b.route(group, "other")).isEqualTo(shard);
        }
    }

    @Test
    void route_groupMode_allDevicesOfGroupInOneShard() {
        ShardRouter router = new ShardRouter(stream(KeyMode.GROUP, 8));
        Set<String> shards = new HashSet<>();

        for (int d = 0; d < 200; d++) {
            shards.add(router.route("hot-group", "device-" + d).id());
        }

        assertThat(shards).hasSize(1);
    }

    @Test
    void route_groupAndDeviceMode_spreadsOneGroupOverShards() {
        ShardRouter router = new ShardRouter(stream(KeyMode.GROUP_AND_DEVICE, 8));
        Map<String, Integer> counts = new HashMap<>();

        for (int d = 0; d < 800; d++) {
            String shard = router.route("hot-group", "device-" + d).id();
            counts.merge(shard, 1, Integer::sum);
            assertThat(router.route("hot-group", "device-" + d).id()).isEqualTo(shard);
        }

        assertThat(counts).hasSize(8);
        // 100 expected per shard; XXH64 keeps each well within +-40%.
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(60, 140));
    }
}
