package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RecordEncoderTest {

    private final RecordEncoder encoder = new RecordEncoder("agent-7", 3);

    private static Record body() {
        return Record.newBuilder()
                .setDeviceId("d1")
                .setDeviceGroup("g")
                .setMetric("temp")
                .setPayload(ByteString.copyFromUtf8("{\"t\":1}"))
                .putAttributes("traceparent", "00-abc")
                .build();
    }

    @Test
    void encode_parsesAsTheBodyWithTheIdAndReceiveTime() throws Exception {
        EncodedRecord r = encoder.encode(PendingRecord.of("g", body()), 0, 1_000L);

        Record parsed = Record.parseFrom(r.bytes());

        assertThat(parsed)
                .isEqualTo(body().toBuilder()
                        .setId(RecordId.newBuilder()
                                .setAgentId("agent-7")
                                .setAgentEpoch(3)
                                .setSequence(0)
                                .setLane("g"))
                        .setEdgeReceiveTimeMs(1_000L)
                        .build());
        assertThat(r.position()).isEqualTo(new LanePosition(3, 0));
        assertThat(r.edgeReceiveTimeMs()).isEqualTo(1_000L);
        assertThat(r.expireAtMs()).isEqualTo(StoredRecord.NEVER);
    }

    @Test
    void encode_bodyWithItsOwnIdAndTime_idReplacedTimeKept() throws Exception {
        Record withId = body().toBuilder()
                .setId(RecordId.newBuilder().setAgentId("other").setSequence(99).setLane("x"))
                .setEdgeReceiveTimeMs(5L)
                .build();

        EncodedRecord r = encoder.encode(new PendingRecord("g", withId, Duration.ofSeconds(2)), 12_345, 1_000L);

        Record parsed = Record.parseFrom(r.bytes());
        assertThat(parsed.getId())
                .isEqualTo(RecordId.newBuilder()
                        .setAgentId("agent-7")
                        .setAgentEpoch(3)
                        .setSequence(12_345)
                        .setLane("g")
                        .build());
        assertThat(parsed.getEdgeReceiveTimeMs()).isEqualTo(5L);
        assertThat(r.expireAtMs()).isEqualTo(3_000L);
    }
}
