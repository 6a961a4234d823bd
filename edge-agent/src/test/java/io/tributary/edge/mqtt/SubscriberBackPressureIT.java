package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Back-pressure from a local subscriber to publishers over real sockets ({@link SubscriberWait}): a subscriber that
 * stops reading holds a publisher of local topics back instead of losing its messages, for at most
 * {@code mqtt.subscriber-wait}; forwarded telemetry is never held. Messages of 1 KiB, more of them than loopback's
 * socket buffers take, so that the server's queue is what fills; the queue (the default, 1,000) holds more than one
 * socket read (64 KiB), which is what a publisher may still send after its pause began.
 */
class SubscriberBackPressureIT {

    private static final int MESSAGES = 40_000;
    private static final String PAYLOAD = "x".repeat(1024);

    private TestServer server;
    private RawMqttClient subscriber;
    private RawMqttClient publisher;

    @AfterEach
    void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {publisher, subscriber, server}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    @Test
    void aSubscriberThatPausesReading_holdsThePublisherBack_andLosesNothing() throws Exception {
        publishToASubscriberThatReadsNothing(Duration.ofSeconds(60), "local/bp/#", "local/bp/t");

        await("the publisher held back, nothing dropped")
                .during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(10))
                .until(() -> published() < MESSAGES && dropped() == 0);
        subscriber.pauseReading(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> subscriber.received().size() >= MESSAGES);

        assertThat(dropped()).isZero();
        assertThat(server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "room"))
                .isPositive();
        assertThat(server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "timeout"))
                .isZero();
        assertThat(subscriber.received()).hasSize(MESSAGES);
    }

    @Test
    void aSubscriberThatNeverReads_holdsThePublisherOnlyForTheWait() throws Exception {
        publishToASubscriberThatReadsNothing(Duration.ofMillis(200), "local/bp/#", "local/bp/t");

        await("every publish read").atMost(Duration.ofSeconds(60)).until(() -> published() == MESSAGES);
        assertThat(server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "timeout"))
                .isPositive();
        assertThat(dropped()).isPositive(); // what did not fit the queue: counted, as QoS 0 allows
    }

    @Test
    void forwardedTelemetry_neverWaitsForALocalSubscriber() throws Exception {
        publishToASubscriberThatReadsNothing(
                Duration.ofSeconds(60), "tributary/#", "tributary/plant-1/pump-7/temperature");

        await("every publish read").atMost(Duration.ofSeconds(60)).until(() -> published() == MESSAGES);
        assertThat(server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "room")
                        + server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "timeout"))
                .isZero();
    }

    @Test
    void aConnectionNeverWaitsForItsOwnQueue() throws Exception {
        start(Duration.ofSeconds(60), "local/bp/#");
        assertThat(publisher.subscribe(
                        1,
                        "local/bp/#",
                        MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE),
                        io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES))
                .containsExactly(0);
        subscriber.close(); // only the publisher's own subscription is left
        publisher.pauseReading(true); // it reads nothing of what it is sent: its own queue fills

        publisher.publishWithoutWaiting("local/bp/t", PAYLOAD, MESSAGES);

        await("every publish read: waiting for its own queue, it could not read the acks that drain it")
                .atMost(Duration.ofSeconds(60))
                .until(() -> published() == MESSAGES);
        assertThat(server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "room")
                        + server.count("tributary.edge.mqtt.subscriber.waits", "outcome", "timeout"))
                .isZero();
    }

    /**
     * Ten publishers on two client threads into one subscriber, the server on two event loops: the waits and wakes
     * cross threads. Every publish is read (a lost wake-up would leave a publisher paused for good) and each one is
     * either delivered or counted as dropped: none vanishes.
     */
    @Test
    void tenPublishersAcrossEventLoops_noneStuck_everyMessageDeliveredOrCounted() throws Exception {
        int perPublisher = 20_000;
        server = TestServer.start(
                ManualSink.automatic(), b -> b.forward(List.of("tributary/#")).ioThreads(2));
        subscriber = RawMqttClient.to(server.address());
        assertThat(subscriber.connect(MqttVersion.MQTT_3_1_1, "sub", USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        subscriber.subscribe(
                1,
                "local/#",
                MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE),
                io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
        var group = new io.netty.channel.MultiThreadIoEventLoopGroup(2, io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            List<RawMqttClient> publishers = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                RawMqttClient p = new RawMqttClient(group, server.address());
                p.connect(MqttVersion.MQTT_3_1_1, "pub-" + i, USER, PASSWORD);
                publishers.add(p);
            }
            publishers.parallelStream()
                    .forEach(p -> p.publishWithoutWaiting("local/many/t", "y".repeat(100), perPublisher));

            await("every publish read").atMost(Duration.ofSeconds(60)).until(() -> published() == 10 * perPublisher);
            await("every message delivered or counted as dropped")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> subscriber.received().size() + dropped() == 10 * perPublisher);
            publishers.forEach(RawMqttClient::close);
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .syncUninterruptibly();
        }
    }

    @Test
    void largeMessages_areBoundedInBytes_notOnlyInCount() throws Exception {
        int messages = 400; // 25 MiB of 64 KiB payloads: well within 1,000 messages, far past 256 KiB
        server = TestServer.start(
                ManualSink.automatic(),
                b -> b.forward(List.of("tributary/#"))
                        .subscriberQueue(1000)
                        .subscriberQueueBytes(256 * 1024)
                        .subscriberWait(Duration.ZERO));
        subscriber = RawMqttClient.to(server.address());
        subscriber.connect(MqttVersion.MQTT_3_1_1, "sub", USER, PASSWORD);
        subscriber.subscribe(
                1,
                "local/big",
                MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE),
                io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES);
        subscriber.pauseReading(true);
        publisher = RawMqttClient.to(server.address());
        publisher.connect(MqttVersion.MQTT_3_1_1, "pub", USER, PASSWORD);
        publisher.publishWithoutWaiting("local/big", "x".repeat(64 * 1024), messages);

        await().atMost(Duration.ofSeconds(60)).until(() -> published() == messages);
        subscriber.pauseReading(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> subscriber.received().size() + dropped() == messages);
        assertThat(dropped())
                .as("more than the socket buffers and 256 KiB held: dropped, counted")
                .isPositive();
    }

    private void start(Duration wait, String filter) throws Exception {
        server = TestServer.start(
                ManualSink.automatic(),
                b -> b.forward(List.of("tributary/#")).subscriberQueue(1000).subscriberWait(wait));
        subscriber = RawMqttClient.to(server.address());
        assertThat(subscriber.connect(MqttVersion.MQTT_3_1_1, "sub", USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(subscriber.subscribe(
                        1,
                        filter,
                        MqttSubscriptionOption.onlyFromQos(MqttQoS.AT_MOST_ONCE),
                        io.netty.handler.codec.mqtt.MqttProperties.NO_PROPERTIES))
                .containsExactly(0);
        publisher = RawMqttClient.to(server.address());
        assertThat(publisher.connect(MqttVersion.MQTT_3_1_1, "pub", USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    private void publishToASubscriberThatReadsNothing(Duration wait, String filter, String topic) throws Exception {
        start(wait, filter);
        subscriber.pauseReading(true);
        publisher.publishWithoutWaiting(topic, PAYLOAD, MESSAGES);
    }

    private double published() {
        return server.count("tributary.edge.mqtt.publishes", "qos", "0");
    }

    private double dropped() {
        return server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "queue_full");
    }
}
