package io.tributary.edge.bridge;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.mqtt.MarkingSink;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge over Paho's MQTT 5 client, at QoS 1 only: that client answers a QoS 2 PUBLISH with PUBREC and a PUBREL
 * with PUBCOMP by itself, before the bridge has stored the message, so a crash in between would lose it ({@link
 * BridgeConfig} refuses QoS 2 with MQTT 5; a broker delivers QoS 2 publishes at the subscription's QoS 1). The
 * session never expires at the broker (Session Expiry Interval 0xFFFFFFFF), like an MQTT 3.1.1 persistent session.
 * MQTT 5 user properties become record attributes. Not the HiveMQ client: it does not expose packet ids, which
 * {@link RedeliveryMarks} need to recognise a redelivery.
 *
 * <p>Threads: as {@link BrokerBridge}.
 */
final class Mqtt5Bridge extends BrokerBridge {
    private static final Logger log = LoggerFactory.getLogger(Mqtt5Bridge.class);
    private static final long SESSION_NEVER_EXPIRES = 0xFFFF_FFFFL;

    private final MqttAsyncClient client;

    Mqtt5Bridge(BridgeConfig config, MarkingSink sink, MeterRegistry registry, Clock clock) throws MqttException {
        super(config, sink, registry, clock);
        // QoS 1 only: the client keeps nothing a crash would need (messages are redelivered until PUBACK)
        this.client = new MqttAsyncClient(config.url(), config.clientId(), new MemoryPersistence());
        client.setManualAcks(true);
        client.setCallback(new Callback());
    }

    @Override
    protected void open() throws MqttException {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(SESSION_NEVER_EXPIRES);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        config.username().ifPresent(u -> {
            o.setUserName(u);
            o.setPassword(config.password().getBytes(StandardCharsets.UTF_8));
        });
        client.connect(o, null, new MqttActionListener() {
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
        MqttSubscription[] subs = config.topics().stream()
                .map(f -> new MqttSubscription(f, config.qos()))
                .toArray(MqttSubscription[]::new);
        client.subscribe(
                subs,
                null,
                new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        int[] codes = token.getReasonCodes();
                        boolean all = true;
                        for (int i = 0; codes != null && i < codes.length && i < subs.length; i++) {
                            if (codes[i] >= 0x80) {
                                all = false;
                                log.error(
                                        "Broker {} refused the subscription to '{}' (reason 0x{})",
                                        config.url(),
                                        subs[i].getTopic(),
                                        Integer.toHexString(codes[i]));
                            }
                        }
                        subscribed(all);
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable e) {
                        log.warn("Bridge subscription to {} failed: {}", config.topics(), e.toString());
                    }
                },
                new MqttProperties());
    }

    @Override
    protected void disconnect() throws MqttException {
        client.disconnect(0).waitForCompletion(5000);
    }

    @Override
    protected void closeClient() throws MqttException {
        try {
            client.disconnectForcibly(0, 1000, false);
        } finally {
            client.close(true);
        }
    }

    @Override
    protected boolean isConnected() {
        return client.isConnected();
    }

    private static Map<String, String> attributes(MqttMessage message) {
        MqttProperties p = message.getProperties();
        if (p == null || p.getUserProperties() == null || p.getUserProperties().isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (UserProperty u : p.getUserProperties()) {
            out.put(u.getKey(), u.getValue()); // the last value wins, as for devices' publishes
        }
        return out;
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            lost(response);
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            log.warn("Bridge: MQTT error from {}: {}", config.url(), e.toString());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            int id = message.getId();
            int qos = message.getQos();
            delivery.arrived(
                    topic,
                    message.getPayload(),
                    qos,
                    id,
                    -1,
                    attributes(message),
                    ack(() -> client.messageArrivedComplete(id, qos)));
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // the bridge never publishes
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            // connected() runs from the connect token, which carries the session-present flag
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
        }
    }
}
