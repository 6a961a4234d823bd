package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupKey;
import io.tributary.hub.group.GroupShard;
import org.junit.jupiter.api.Test;

/** The group topic's name and its rows' bytes. */
class PulsarGroupStoreTest {
    @Test
    void rowsRoundTrip() {
        GroupShard s = new GroupShard("orders", "billing", "shard-000003");
        for (CheckpointStore.Row r : new CheckpointStore.Row[] {
            new CheckpointStore.Row(s, -1, 1, false), new CheckpointStore.Row(s, Long.MAX_VALUE - 1, 1L << 40, true),
        }) {
            byte[] bytes = GroupTopics.encode(r);
            assertThat(bytes).hasSize(18);
            assertThat(GroupTopics.decode(s, bytes)).isEqualTo(r);
        }
    }

    @Test
    void whatIsNotARow_isRefusedNamingTheShard() {
        GroupShard s = new GroupShard("orders", "billing", "shard-000003");
        assertThatThrownBy(() -> GroupTopics.decode(s, new byte[5]))
                .hasMessageContaining("billing on orders/shard-000003");
        byte[] wrongVersion = GroupTopics.encode(new CheckpointStore.Row(s, 1, 1, false));
        wrongVersion[0] = 9;
        assertThatThrownBy(() -> GroupTopics.decode(s, wrongVersion)).hasMessageContaining("version 9");
    }

    @Test
    void topicName_isUnambiguous_andNoShardTopic() {
        // '=' is in no stream, group or shard name: "a-b"/"c" and "a"/"b-c" differ, and no "<stream>.<shard>" has it.
        assertThat(PulsarGroupStore.localName(new GroupKey("a-b", "c")))
                .isEqualTo("__tributary-group=a-b=c")
                .isNotEqualTo(PulsarGroupStore.localName(new GroupKey("a", "b-c")));
    }
}
