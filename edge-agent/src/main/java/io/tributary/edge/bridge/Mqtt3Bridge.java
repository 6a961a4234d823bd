package io.tributary.edge.bridge;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.mqtt.MarkingSink;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge over Paho's MQTT 3.1.1 client. At QoS 2 Paho answers PUBREC before it hands a message over (at PUBREL),
 * so its state is a {@link BridgeInbox}: fsync'd files from which a message comes back after a crash (the broker then
 * only repeats PUBREL), each with the incarnation that identifies it exactly to the {@link RedeliveryMarks}.
 *
 * <p>Threads: as {@link BrokerBridge}.
 */
final class Mqtt3Bridge extends BrokerBridge {
    private static final Logger log = LoggerFactory.getLogger(Mqtt3Bridge.class);

    private final BridgeInbox inbox;
    private final MqttAsyncClient client;

    Mqtt3Bridge(BridgeConfig config, MarkingSink sink, BridgeInbox inbox, MeterRegistry registry, Clock clock)
            throws MqttException {
        super(config, sink, registry, clock);
        this.inbox = inbox;
        this.client = new MqttAsyncClient(config.url(), config.clientId(), inbox);
        client.setManualAcks(true);
        client.setCallback(new Callback());
    }

    @Override
    protected void open() throws MqttException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        config.username().ifPresent(u -> {
            o.setUserName(u);
            o.setPassword(config.password().toCharArray());
        });
        client.connect(o, null, new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                connected(token.getSessionPresent());
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                failed(e);
            }
        });
    }

    @Override
    protected void subscribe() throws MqttException {
        String[] filters = config.topics().toArray(String[]::new);
        int[] qos = new int[filters.length];
        Arrays.fill(qos, config.qos());
        client.subscribe(filters, qos, null, new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                int[] granted = token.getGrantedQos();
                boolean all = true;
                for (int i = 0; i < granted.length && i < filters.length; i++) {
                    if (granted[i] == 0x80) {
                        all = false;
                        log.error("Broker {} refused the subscription to '{}'", config.url(), filters[i]);
                    }
                }
                subscribed(all);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                log.warn("Bridge subscription to {} failed: {}", config.topics(), e.toString());
            }
        });
    }

    @Override
    protected void disconnect() throws MqttException {
        client.disconnect(0).waitForCompletion(5000);
    }

    @Override
    protected void closeClient() throws MqttException {
        try {
            client.disconnectForcibly(0, 1000);
        } finally {
            client.close(true);
        }
    }

    @Override
    protected boolean isConnected() {
        return client.isConnected();
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            // connected() runs from the connect token, which carries the session-present flag
        }

        @Override
        public void connectionLost(Throwable cause) {
            lost(String.valueOf(cause));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            int id = message.getId();
            int qos = message.getQos();
            // QoS 2: the incarnation the client gave the message when it stored it (exact); QoS 1: none
            long incarnation = qos == 2 ? inbox.incarnation(id) : -1;
            delivery.arrived(
                    topic,
                    message.getPayload(),
                    qos,
                    id,
                    incarnation,
                    Map.of(),
                    ack(() -> client.messageArrivedComplete(id, qos)));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // the bridge never publishes
        }
    }
}
