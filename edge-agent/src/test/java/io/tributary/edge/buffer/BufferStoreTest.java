package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.MutableClock;
import java.util.List;
import org.junit.jupiter.api.Test;

class BufferStoreTest {

    @Test
    void decode_flippedByte_failsChecksum() {
        StoredRecord r = new StoredRecord(TestRecords.text("g", "payload").body(), StoredRecord.NEVER);
        byte[] chunk = ChunkCodec.encode(List.of(r, r));
        assertThat(ChunkCodec.decode(chunk)).containsExactly(r, r);

        chunk[chunk.length - 1] ^= 1;

        assertThatThrownBy(() -> ChunkCodec.decode(chunk)).isInstanceOf(ChunkCodec.CorruptChunkException.class);
    }

    @Test
    void open_directoryAlreadyOpen_refusesWithClearError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        BufferConfig config = BufferConfig.builder(dir, "a").build();
        try (DurableBuffer first = DurableBuffer.open(config, new MutableClock(0), new SimpleMeterRegistry())) {
            assertThatThrownBy(() -> DurableBuffer.open(config, new MutableClock(0), new SimpleMeterRegistry()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open");
        }
    }
}
