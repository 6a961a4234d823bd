package io.tributary.hub.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchValidatorTest {
    private final BatchValidator validator = new BatchValidator(1 << 20);

    @Test
    void idSplitOverTwoFields_asTheEdgeAgentEncodesIt_isAccepted() throws Exception {
        // The edge appends (agent_id, lane) and (epoch, sequence) as a second id field behind the body: parsers merge.
        List<ByteBuffer> records = new ArrayList<>();
        for (long s = 3; s < 5; s++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Record.newBuilder()
                    .setDeviceId("d")
                    .setId(RecordId.newBuilder().setAgentId("edge").setLane("g"))
                    .build()
                    .writeTo(out);
            byte[] id = RecordId.newBuilder()
                    .setAgentEpoch(9)
                    .setSequence(s)
                    .build()
                    .toByteArray();
            CodedOutputStream o = CodedOutputStream.newInstance(out);
            o.writeByteArray(Record.ID_FIELD_NUMBER, id);
            o.flush();
            records.add(ByteBuffer.wrap(out.toByteArray()));
        }
        BatchPayloads.Encoded enc = BatchPayloads.encodeSerialized(records, Codec.CODEC_LZ4);

        assertThat(validator.check("edge", header(enc, Codec.CODEC_LZ4, 3, 2))).isNull();
    }

    @Test
    void stringThatIsNotUtf8_outsideTheId_isRefused_becauseReadersCouldNotParseIt() {
        Record ok = Record.newBuilder()
                .setId(RecordId.newBuilder().setAgentId("edge").setLane("g").setAgentEpoch(9))
                .build();
        byte[] bytes = ok.toBuilder().setDeviceId("DEV").build().toByteArray();
        int at = indexOf(bytes, "DEV".getBytes());
        bytes[at] = (byte) 0xC3; // a lead byte followed by an ASCII byte: invalid UTF-8
        BatchPayloads.Encoded enc = BatchPayloads.encodeSerialized(List.of(ByteBuffer.wrap(bytes)), Codec.CODEC_NONE);

        BatchValidator.Refusal r = validator.check("edge", header(enc, Codec.CODEC_NONE, 0, 1));

        assertThat(r).isNotNull();
        assertThat(r.reason()).isEqualTo(NackReason.NACK_REASON_MALFORMED_PAYLOAD);
    }

    private static Batch header(BatchPayloads.Encoded enc, Codec codec, long first, int count) {
        return Batch.newBuilder()
                .setCodec(codec)
                .setPayload(enc.payload())
                .setUncompressedBytes(enc.uncompressedBytes())
                .setRecordCount(count)
                .setFirstSequence(first)
                .setLastSequence(first + count - 1)
                .setLane("g")
                .setAgentEpoch(9)
                .build();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
