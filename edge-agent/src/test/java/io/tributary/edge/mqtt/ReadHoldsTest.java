package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/**
 * Reads resume only when no reason holds them, whichever ends first; while a subscriber holds them, the packets of the
 * current read wait too, in order, and are passed on when it ends or the connection closes.
 */
class ReadHoldsTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ReadHolds holds = new ReadHolds(channel);

    @Test
    void readsResume_onlyWhenTheLastReasonEnds() {
        holds.hold(ReadHolds.Reason.ACKS);
        holds.hold(ReadHolds.Reason.RATE);
        assertThat(channel.config().isAutoRead()).isFalse();

        holds.release(ReadHolds.Reason.ACKS);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(holds.held()).isTrue();

        holds.release(ReadHolds.Reason.RATE);
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(holds.held()).isFalse();
    }

    @Test
    void releasingAReasonThatHoldsNothing_changesNothing() {
        holds.hold(ReadHolds.Reason.RATE);
        holds.release(ReadHolds.Reason.SUBSCRIBER);
        assertThat(channel.config().isAutoRead()).isFalse();
        holds.hold(ReadHolds.Reason.RATE); // twice: still one hold
        holds.release(ReadHolds.Reason.RATE);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void whileASubscriberHolds_packetsAlreadyReadWait_andFollowInOrder() {
        channel.pipeline().addLast(holds);
        channel.writeInbound("a");
        holds.hold(ReadHolds.Reason.SUBSCRIBER);
        channel.writeInbound("b", "c");
        assertThat((String) channel.readInbound()).isEqualTo("a");
        assertThat((Object) channel.readInbound()).isNull();

        holds.release(ReadHolds.Reason.SUBSCRIBER);
        channel.writeInbound("d");

        assertThat(new String[] {channel.readInbound(), channel.readInbound(), channel.readInbound()})
                .containsExactly("b", "c", "d");
    }

    @Test
    void otherReasons_deferNothing() {
        channel.pipeline().addLast(holds);
        holds.hold(ReadHolds.Reason.ACKS);
        channel.writeInbound("a");
        assertThat((String) channel.readInbound()).isEqualTo("a");
    }

    @Test
    void onClose_theDeferredPacketsArePassedOnFirst() {
        channel.pipeline().addLast(holds);
        holds.hold(ReadHolds.Reason.SUBSCRIBER);
        channel.writeInbound("a", "b");

        channel.close();

        assertThat(new String[] {channel.readInbound(), channel.readInbound()}).containsExactly("a", "b");
    }
}
