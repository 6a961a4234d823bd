package io.tributary.protocol.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchPayloadsTest {
    private static List<Record> records(int n) {
        List<Record> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Record.newBuilder()
                    .setId(RecordId.newBuilder()
                            .setAgentId("a")
                            .setAgentEpoch(1)
                            .setSequence(i)
                            .setLane("g"))
                    .setDeviceId("d" + (i % 7))
                    .setDeviceGroup("g")
                    .setMetric("temp")
                    .setEventTimeMs(1_700_000_000_000L + i)
                    .setContentType(ContentType.CONTENT_TYPE_JSON)
                    .setPayload(ByteString.copyFromUtf8("{\"t\":" + i + "}"))
                    .putAttributes("traceparent", "00-abc-def-01")
                    .build());
        }
        return list;
    }

    @ParameterizedTest
    @EnumSource(
            value = Codec.class,
            names = {"CODEC_NONE", "CODEC_LZ4", "CODEC_ZSTD"})
    void encodeDecode_eachCodec_roundTrips(Codec codec) throws Exception {
        List<Record> in = records(500);
        BatchPayloads.Encoded enc = BatchPayloads.encode(in, codec);
        assertThat(BatchPayloads.decode(enc.payload(), codec, enc.uncompressedBytes()))
                .isEqualTo(in);
        if (codec != Codec.CODEC_NONE) {
            assertThat(enc.payload().size()).isLessThan(enc.uncompressedBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Codec.class,
            names = {"CODEC_NONE", "CODEC_LZ4", "CODEC_ZSTD"})
    void encodeSerialized_viewsIntoLargerArrays_sameAsEncode(Codec codec) throws Exception {
        List<Record> in = records(50);
        List<ByteBuffer> views = new ArrayList<>();
        for (Record r : in) {
            byte[] padded = new byte[r.getSerializedSize() + 7];
            r.writeTo(com.google.protobuf.CodedOutputStream.newInstance(padded, 3, r.getSerializedSize()));
            views.add(ByteBuffer.wrap(padded, 3, r.getSerializedSize()));
        }

        BatchPayloads.Encoded enc = BatchPayloads.encodeSerialized(views, codec);

        assertThat(enc.uncompressedBytes())
                .isEqualTo(BatchPayloads.encode(in, codec).uncompressedBytes());
        assertThat(BatchPayloads.decode(enc.payload(), codec, enc.uncompressedBytes()))
                .isEqualTo(in);
        assertThat(views.get(0).position()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(
            value = Codec.class,
            names = {"CODEC_NONE", "CODEC_LZ4", "CODEC_ZSTD"})
    void decode_overSizeLimit_refusedBeforeInflating(Codec codec) {
        BatchPayloads.Encoded enc = BatchPayloads.encode(records(500), codec);
        assertThatThrownBy(() -> BatchPayloads.decode(enc.payload(), codec, enc.uncompressedBytes() - 1))
                .isInstanceOf(BatchFormatException.class)
                .hasMessageContaining("over the limit");
    }

    @ParameterizedTest
    @EnumSource(
            value = Codec.class,
            names = {"CODEC_NONE", "CODEC_LZ4", "CODEC_ZSTD"})
    void decode_corruptedBytes_failsWithFormatExceptionOnly(Codec codec) {
        BatchPayloads.Encoded enc = BatchPayloads.encode(records(50), codec);
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] b = enc.payload().toByteArray();
            b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
            try {
                BatchPayloads.decode(ByteString.copyFrom(b), codec, 1 << 20);
            } catch (BatchFormatException expected) {
                // a clear refusal is the only acceptable failure
            }
        }
    }
}
