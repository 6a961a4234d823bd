package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.junit.jupiter.api.Test;

/** A buffer refusing on a storage fault answers like the quota: retriable 0x97, or a withheld 3.1.1 ack, no close. */
class PublishAcksTest {

    @Test
    void storageFaults_mqtt5_quotaExceededWithTheirReason() {
        for (SinkResult r : new SinkResult[] {SinkResult.DISK_FULL, SinkResult.IO_ERROR}) {
            PublishAcks.Decision d = PublishAcks.forResult(true, r);
            assertThat(d.send()).isTrue();
            assertThat(d.reasonCode()).isEqualTo(MqttReasonCodes.PubAck.QUOTA_EXCEEDED.byteValue());
            assertThat(d.closeAfter()).isFalse();
            assertThat(d.refusedReason()).isEqualTo(r == SinkResult.DISK_FULL ? "disk_full" : "io_error");
        }
    }

    @Test
    void storageFaults_mqtt311_ackWithheldConnectionKept() {
        for (SinkResult r : new SinkResult[] {SinkResult.DISK_FULL, SinkResult.IO_ERROR}) {
            PublishAcks.Decision d = PublishAcks.forResult(false, r);
            assertThat(d.send()).isFalse();
            assertThat(d.closeAfter()).isFalse();
        }
    }
}
