package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The subscribers' ledger of the C generator's tagged payloads, read in place from a packet's bytes. */
class DeliveryLedgerTest {

    /** Hands the ledger a PUBLISH body: a topic and {@code payload}, between other bytes as in a socket read. */
    private static boolean deliver(DeliveryLedger ledger, int subscriber, String payload) {
        byte[] topic = "local/in/g0/d0".getBytes(StandardCharsets.US_ASCII);
        byte[] body = payload.getBytes(StandardCharsets.US_ASCII);
        ByteBuf in = Unpooled.buffer();
        in.writeBytes("xx".getBytes(StandardCharsets.US_ASCII));
        int t = in.writerIndex();
        in.writeBytes(topic);
        int p = in.writerIndex();
        in.writeBytes(body);
        int end = in.writerIndex();
        in.writeBytes("c9:9;trailing".getBytes(StandardCharsets.US_ASCII)); // the next packet: not part of this one
        return ledger.publish(subscriber, false, in, t, topic.length, p, end);
    }

    @Test
    void publish_taggedPayloads_distinctDuplicatesAndMissingPerSubscriberAndConnection() {
        DeliveryLedger ledger = new DeliveryLedger(2, 3);
        deliver(ledger, 0, "c0:0;pppp");
        deliver(ledger, 0, "c0:1;pppp");
        deliver(ledger, 0, "c0:1;pppp"); // again
        deliver(ledger, 0, "c2:0;pppp");
        deliver(ledger, 1, "c0:0;pppp");
        deliver(ledger, 1, "c2:123456789;p");

        assertThat(ledger.received()).isEqualTo(6);
        assertThat(ledger.duplicates()).isEqualTo(1);
        assertThat(ledger.untagged()).isZero();
        assertThat(ledger.distinct()).isEqualTo(5);
        // acked: connection 0 sent 0..1, connection 1 nothing, connection 2 only #0
        // subscriber 0 has all three; subscriber 1 misses c0 #1 and c2 #0
        assertThat(ledger.missing(new long[] {2, 0, 1})).isEqualTo(2);
    }

    @Test
    void publish_untaggedOrForeignPayloads_countedApartNotAsDeliveries() {
        DeliveryLedger ledger = new DeliveryLedger(1, 2);
        deliver(ledger, 0, "pppppppp");
        deliver(ledger, 0, "c0:;ppp");
        deliver(ledger, 0, "c:1;ppp");
        deliver(ledger, 0, "c0:12");
        deliver(ledger, 0, "c5:1;pp"); // a connection the generator does not have
        deliver(ledger, 0, "");
        deliver(ledger, 0, "c12345678901:1;");

        assertThat(ledger.received()).isEqualTo(7);
        assertThat(ledger.untagged()).isEqualTo(7);
        assertThat(ledger.distinct()).isZero();
        assertThat(ledger.missing(new long[] {1, 0})).isEqualTo(1);
    }

    @Test
    void publish_latencyProbes_timedNotCountedAsDeliveries() {
        DeliveryLedger ledger = new DeliveryLedger(1, 1);
        long fiveMsAgo = System.nanoTime() - 5_000_000;

        assertThat(deliver(ledger, 0, "L" + fiveMsAgo + ";pppppp")).isFalse();
        assertThat(deliver(ledger, 0, "c0:0;pppp")).isTrue();

        assertThat(ledger.probes()).isEqualTo(1);
        assertThat(ledger.latencyMs(50)).isBetween(5.0, 60_000.0);
        assertThat(ledger.received()).isEqualTo(1);
        assertThat(ledger.untagged()).isZero();
        assertThat(new DeliveryLedger(1, 1).latencyMs(99)).isNaN();
    }
}
