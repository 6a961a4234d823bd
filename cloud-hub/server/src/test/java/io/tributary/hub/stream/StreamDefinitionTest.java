package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamDefinitionTest {

    private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);

    @ParameterizedTest
    @ValueSource(strings = {"a", "telemetry.v1", "plant_7-raw", "A.B-c_9"})
    void validateName_allowedCharacters_accepted(String name) {
        assertThat(StreamDefinition.validateName(name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "a b", "ünicode", "a\\b", "name:1"})
    void validateName_badName_invalid(String name) {
        assertThatThrownBy(() -> StreamDefinition.validateName(name))
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.INVALID))
                .hasMessageContaining("stream name");
    }

    @Test
    void validateName_lengthLimit_128Accepted129Rejected() {
        assertThat(StreamDefinition.validateName("x".repeat(128))).hasSize(128);
        assertThatThrownBy(() -> StreamDefinition.validateName("x".repeat(129))).isInstanceOf(StreamException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 1025})
    void create_shardCountOutOfRange_invalid(int count) {
        assertThatThrownBy(() -> StreamDefinition.create("s", KeyMode.GROUP, Retention.UNLIMITED, count, T0))
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.INVALID))
                .hasMessageContaining("1..1024");
    }

    @Test
    void create_shardIds_zeroPaddedInOrder() {
        StreamDefinition s = StreamDefinition.create("s", KeyMode.GROUP, Retention.UNLIMITED, 3, T0);

        assertThat(s.shards())
                .extracting(ShardDefinition::id)
                .containsExactly("shard-000000", "shard-000001", "shard-000002");
        assertThat(ShardDefinition.number("shard-000007")).isEqualTo(7);
        assertThatThrownBy(() -> ShardDefinition.number("shard-7")).isInstanceOf(StreamException.class);
        assertThatThrownBy(() -> ShardDefinition.number("shard-0000007")).isInstanceOf(StreamException.class);
    }

    @Test
    void toDescription_thenFromDescription_sameStream() {
        StreamDefinition s = StreamDefinition.create(
                "s", KeyMode.GROUP_AND_DEVICE, new Retention(Duration.ofHours(24), 1L << 30), 3, T0);
        s = Reshard.split(s, "shard-000002", OptionalLong.empty(), T0).after();

        StreamDescription d = StreamMessages.toDescription(s);

        assertThat(d.getStream()).isEqualTo("s");
        assertThat(d.getKeyMode()).isEqualTo(PartitionKeyMode.PARTITION_KEY_MODE_GROUP_AND_DEVICE);
        assertThat(d.getRetentionMs()).isEqualTo(86_400_000L);
        assertThat(d.getRetentionBytes()).isEqualTo(1L << 30);
        assertThat(d.getCreatedMs()).isEqualTo(T0.toEpochMilli());
        ShardDescription last = d.getShards(4);
        assertThat(last.getShardId()).isEqualTo("shard-000004");
        assertThat(last.getEndHash()).isEqualTo(-1L);
        assertThat(last.getParentShardsList()).containsExactly("shard-000002");
        assertThat(d.getShards(2).getOpen()).isFalse();
        // Shard times equal the stream's creation time here, which is what the wire form restores.
        assertThat(StreamMessages.fromDescription(d)).isEqualTo(s);
    }

    @Test
    void fromDescription_unspecifiedKeyMode_defaultsToGroup() {
        StreamDescription d = StreamMessages.toDescription(
                        StreamDefinition.create("s", KeyMode.GROUP_AND_DEVICE, Retention.UNLIMITED, 1, T0))
                .toBuilder()
                .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_UNSPECIFIED)
                .build();

        assertThat(StreamMessages.fromDescription(d).keyMode()).isEqualTo(KeyMode.GROUP);
    }

    @Test
    void fromDescription_openShardsLeaveGap_invalid() {
        StreamDescription d =
                StreamMessages.toDescription(StreamDefinition.create("s", KeyMode.GROUP, Retention.UNLIMITED, 2, T0))
                        .toBuilder()
                        .removeShards(1)
                        .build();

        assertThatThrownBy(() -> StreamMessages.fromDescription(d))
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.INVALID))
                .hasMessageContaining("cover the hash space");
    }
}
