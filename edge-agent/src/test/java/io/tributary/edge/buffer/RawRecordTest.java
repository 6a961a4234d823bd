package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawRecordTest {

    private static Record body(String key) {
        return Record.newBuilder()
                .setDeviceId("dev-9")
                .setDeviceGroup("grp")
                .setMetric("temp")
                .setTopic("tributary/grp/dev-9/temp")
                .setEventTimeMs(1_700_000_000_123L)
                .setPayload(ByteString.copyFromUtf8("{\"t\":21.5}"))
                .putAttributes("traceparent", "00-abc")
                .setPartitionKey(key)
                .build();
    }

    @Test
    void scan_writerEncodedRecord_readsTheBatchFieldsAndKeepsTheBytes() {
        EncodedRecord e = new RecordEncoder("a", 4).encode(PendingRecord.of("grp", body("")), 77, 5L);
        byte[] padded = new byte[e.bytes().length + 10];
        System.arraycopy(e.bytes(), 0, padded, 6, e.bytes().length);

        RawRecord r = RawRecord.scan(padded, 6, e.bytes().length);

        assertThat(r.position()).isEqualTo(new LanePosition(4, 77));
        assertThat(r.eventTimeMs()).isEqualTo(1_700_000_000_123L);
        assertThat(r.deviceGroup()).isEqualTo("grp");
        assertThat(r.deviceId()).isEqualTo("dev-9");
        assertThat(r.partitionKey()).isEmpty();
        assertThat(r.serializedSize()).isEqualTo(e.bytes().length);
        assertThat(r.parse().getId())
                .isEqualTo(RecordId.newBuilder()
                        .setAgentId("a")
                        .setAgentEpoch(4)
                        .setSequence(77)
                        .setLane("grp")
                        .build());
        assertThat(r.bytes().remaining()).isEqualTo(e.bytes().length);
        assertThat(r.bytes().isReadOnly()).isTrue();
    }

    @Test
    void decodeRaw_chunkOfCanonicalRecords_sameAsParsingDecoder() {
        Record withId = body("explicit").toBuilder()
                .setId(RecordId.newBuilder().setAgentEpoch(2).setSequence(3))
                .build();
        byte[] chunk =
                ChunkCodec.encode(List.of(new StoredRecord(withId, StoredRecord.NEVER), new StoredRecord(withId, 99L)));

        List<RawRecord> raw = ChunkCodec.decodeRaw(chunk);

        assertThat(raw).hasSize(2);
        assertThat(raw.get(1).parse()).isEqualTo(ChunkCodec.decode(chunk).get(1).record());
        assertThat(raw.get(0).partitionKey()).isEqualTo("explicit");
        assertThat(raw.get(0).position()).isEqualTo(new LanePosition(2, 3));
    }

    @Test
    void scan_notARecord_failsAsCorruptChunk() {
        byte[] garbage = {(byte) 0x0B, 1, 2, 3}; // start-group tag: not in a record
        assertThatThrownBy(() -> RawRecord.scan(garbage, 0, garbage.length))
                .isInstanceOf(ChunkCodec.CorruptChunkException.class);
    }
}
