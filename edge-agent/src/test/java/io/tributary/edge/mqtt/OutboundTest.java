package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hand-off from publishers to one subscriber's event loop: what arrives while the loop is busy goes out with one
 * flush, in order; the queue bound and the close still drop (counted).
 */
class OutboundTest {

    private static final int QUEUE = 50;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger flushes = new AtomicInteger();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
        }
    });
    private final ServerContext server =
            TestServer.context(MqttServerConfig.builder().subscriberQueue(QUEUE).build(), registry);
    private final Outbound outbound = new Outbound(
            channel,
            server,
            new MqttConnection(
                    MqttVersion.MQTT_3_1_1, "sub", "", new Session("sub", channel), Duration.ZERO, 65_535, 0, null));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void offersArrivingTogether_goOutInOrder_withOneFlush() {
        for (int i = 0; i < QUEUE / 2; i++) {
            outbound.offer(qos0("m" + i), null);
        }
        assertThat(sent()).isEmpty(); // sent after the loop's current work, not per offer
        flushes.set(0);

        channel.runPendingTasks();

        assertThat(sent()).containsExactly(numbered(QUEUE / 2));
        assertThat(flushes).hasValue(1);
    }

    @Test
    void pastHalfTheQueue_anOfferOnTheSubscribersLoop_sendsAtOnce() {
        for (int i = 0; i <= QUEUE / 2; i++) { // an embedded channel's caller is always on its loop
            outbound.offer(qos0("m" + i), null);
        }
        assertThat(sent()).containsExactly(numbered(QUEUE / 2 + 1)); // without running the loop's tasks
    }

    @Test
    void beyondTheQueueBound_dropsAreCounted() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2)); // the subscriber reads nothing
        channel.write(Unpooled.wrappedBuffer(new byte[16])); // unflushed bytes: the channel is not writable
        for (int i = 0; i < QUEUE + 7; i++) {
            outbound.offer(qos0("m" + i), null);
        }
        channel.runPendingTasks();

        assertThat(dropped("queue_full")).isEqualTo(7);
    }

    @Test
    void offersAfterTheClose_areDroppedAsDisconnected() {
        outbound.offer(qos0("before"), null);
        outbound.close();
        outbound.offer(qos0("after"), null);
        channel.runPendingTasks();

        assertThat(sent()).isEmpty();
        assertThat(dropped("disconnected")).isEqualTo(2);
    }

    private double dropped(String reason) {
        var c = registry.find("tributary.edge.mqtt.deliveries.dropped")
                .tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    private List<String> sent() {
        List<String> topics = new ArrayList<>();
        for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
            MqttPublishMessage p = (MqttPublishMessage) o;
            topics.add(p.variableHeader().topicName());
            p.release();
        }
        return topics;
    }

    private static String[] numbered(int n) {
        String[] topics = new String[n];
        for (int i = 0; i < n; i++) {
            topics[i] = "m" + i;
        }
        return topics;
    }

    private static Outbound.Delivery qos0(String topic) {
        LocalMessage m = LocalMessage.create(
                topic, "x".getBytes(StandardCharsets.UTF_8), 0, false, null, MqttProperties.NO_PROPERTIES, 0);
        return new Outbound.Delivery(m, 0, false, List.of());
    }
}
