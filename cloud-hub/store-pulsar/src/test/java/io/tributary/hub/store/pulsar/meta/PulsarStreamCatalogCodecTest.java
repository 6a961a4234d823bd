package io.tributary.hub.store.pulsar.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.hub.stream.KeyMode;
import io.tributary.hub.stream.Retention;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The catalog topic's values: a stream file's bytes, checked against the key they are stored under. */
class PulsarStreamCatalogCodecTest {
    private static final String TOPIC = "persistent://public/t/__tributary-catalog";
    private static final KeyedTable.Codec<StreamDefinition> CODEC = PulsarStreamCatalog.codec(TOPIC);
    private static final StreamDefinition STREAM = StreamDefinition.create(
            "s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 3, Instant.ofEpochMilli(1_700_000_000_000L));

    @Test
    void roundTrip_sameStream() {
        byte[] bytes = CODEC.encode(STREAM);
        assertThat(new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("TRST");
        assertThat(CODEC.decode("s", bytes)).isEqualTo(STREAM);
    }

    @Test
    void storedUnderAnotherKey_corruptNamingKeyAndTopic() {
        assertThatThrownBy(() -> CODEC.decode("other", CODEC.encode(STREAM)))
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.CORRUPT))
                .hasMessageContaining("catalog entry 'other' of " + TOPIC + ": holds stream 's'");
    }

    @Test
    void flippedByte_corruptCrc() {
        byte[] bytes = CODEC.encode(STREAM);
        bytes[bytes.length - 1] ^= 1;
        assertThatThrownBy(() -> CODEC.decode("s", bytes))
                .isInstanceOf(StreamException.class)
                .hasMessageContaining("catalog entry 's' of " + TOPIC + ": CRC32C mismatch");
    }
}
