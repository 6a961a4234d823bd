package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
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

    @Test
    void acksAndPings_passWhileOtherPacketsWait() {
        channel.pipeline().addLast(holds);
        holds.hold(ReadHolds.Reason.SUBSCRIBER);
        MqttMessage puback = new MqttMessage(
                new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(7));

        channel.writeInbound("publish", puback, MqttMessage.PINGREQ);

        assertThat((Object) channel.readInbound()).isSameAs(puback); // acks of its deliveries can only free room
        assertThat((Object) channel.readInbound()).isSameAs(MqttMessage.PINGREQ);
        assertThat((Object) channel.readInbound()).isNull();
    }

    @Test
    void packetsStillDeferredWhenTheHandlerIsRemoved_areReleased() {
        channel.pipeline().addLast(holds);
        holds.hold(ReadHolds.Reason.SUBSCRIBER);
        ByteBuf deferred = Unpooled.buffer(8);
        channel.writeInbound(deferred);

        channel.pipeline().remove(holds);

        assertThat(deferred.refCnt()).isZero();
    }

    @Test
    void afterTheClose_nothingHoldsAnyMore() {
        channel.pipeline().addLast(holds);
        channel.close();

        assertThat(holds.hold(ReadHolds.Reason.SUBSCRIBER)).isFalse();
        assertThat(holds.held()).isFalse();
    }
}
