package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.net.SocketAddress;

/** Small helpers shared by the handlers to end connections; stateless and thread-safe. */
final class ChannelEvents {

    /** Fired into the pipeline of a connection whose client id was taken over by a newer connection. */
    static final Object SESSION_TAKEN_OVER = new Object() {
        @Override
        public String toString() {
            return "SESSION_TAKEN_OVER";
        }
    };

    private ChannelEvents() {}

    /** Sends an MQTT 5 DISCONNECT with {@code reason} (when {@code v5}), then closes; 3.1.1 just closes. */
    static void disconnect(Channel channel, boolean v5, MqttReasonCodes.Disconnect reason) {
        if (v5 && channel.isActive()) {
            MqttMessage disconnect = MqttMessageBuilders.disconnect()
                    .reasonCode(reason.byteValue())
                    .build();
            channel.writeAndFlush(disconnect).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    static SocketAddress peer(Channel channel) {
        return channel.remoteAddress();
    }
}
