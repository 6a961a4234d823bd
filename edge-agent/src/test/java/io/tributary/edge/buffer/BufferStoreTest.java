package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferStoreTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    @Test
    void open_garbageFile_movesItAsideAndStartsFresh() throws Exception {
        Path file = dir.resolve("buffer.db");
        byte[] garbage = new byte[64 * 1024];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);

        try (DurableBuffer buffer =
                DurableBuffer.open(BufferConfig.builder(file, "a").build(), clock, new SimpleMeterRegistry())) {
            assertThat(buffer.startedFresh()).isTrue();
            assertThat(TestRecords.await(buffer.append(TestRecords.text("g", "x")))
                            .isStored())
                    .isTrue();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("buffer.db.corrupt-" + clock.millis());
        }
    }

    @Test
    void decode_flippedByte_failsChecksum() {
        StoredRecord r = new StoredRecord(TestRecords.text("g", "payload").body(), StoredRecord.NEVER);
        byte[] chunk = ChunkCodec.encode(List.of(r, r));
        assertThat(ChunkCodec.decode(chunk)).containsExactly(r, r);

        chunk[chunk.length - 1] ^= 1;

        assertThatThrownBy(() -> ChunkCodec.decode(chunk)).isInstanceOf(ChunkCodec.CorruptChunkException.class);
    }
}
