package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

/**
 * Answers to SUBSCRIBE and UNSUBSCRIBE while the edge endpoint is ingest-only: every filter is refused with
 * 0x80 (3.1.1 failure) or 0x87 Not authorized (5, with a reason string). When subscriptions arrive this class is
 * where a subscription handler plugs in. Stateless.
 */
final class SubscriptionRefusals {

    static final String REASON = "subscriptions are not supported by the Tributary edge endpoint";

    private SubscriptionRefusals() {}

    static MqttSubAckMessage subAck(MqttSubscribeMessage subscribe, boolean v5) {
        int count = subscribe.payload().topicSubscriptions().size();
        int code = v5 ? MqttReasonCodes.SubAck.NOT_AUTHORIZED.byteValue() & 0xff : 0x80;
        int[] codes = new int[count];
        java.util.Arrays.fill(codes, code);
        return new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(
                        subscribe.idAndPropertiesVariableHeader().messageId(),
                        v5 ? reasonString() : MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes));
    }

    static MqttMessage unsubAck(MqttUnsubscribeMessage unsubscribe, boolean v5) {
        int count = unsubscribe.payload().topics().size();
        short[] codes = new short[v5 ? count : 0];
        java.util.Arrays.fill(codes, MqttReasonCodes.UnsubAck.NO_SUBSCRIPTION_EXISTED.byteValue());
        return new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(
                        unsubscribe.idAndPropertiesVariableHeader().messageId(), MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(codes));
    }

    private static MqttProperties reasonString() {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, REASON));
        return props;
    }
}
