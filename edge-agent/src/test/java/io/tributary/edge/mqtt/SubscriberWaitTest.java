package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Back-pressure from a subscriber's queue to a publisher's reads: paused past half the queue, resumed at a quarter,
 * on the subscriber's close, or after {@code mqtt.subscriber-wait} (then the subscriber is not waited for until it
 * catches up). Two embedded channels: the subscriber, made unwritable to stand for one that reads nothing, and the
 * publisher, whose auto-read is what the client would feel.
 */
class SubscriberWaitTest {

    private static final int QUEUE = 40;
    private static final Duration WAIT = Duration.ofMillis(250);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EmbeddedChannel subscriberChannel = new EmbeddedChannel();
    private final EmbeddedChannel publisherChannel = new EmbeddedChannel();
    private final ServerContext server = TestServer.context(
            MqttServerConfig.builder()
                    .subscriberQueue(QUEUE)
                    .subscriberWait(WAIT)
                    .build(),
            registry);
    private final Outbound subscriber = new Outbound(
            subscriberChannel,
            server,
            new MqttConnection(
                    MqttVersion.MQTT_3_1_1,
                    "sub",
                    "",
                    new Session("sub", subscriberChannel),
                    Duration.ZERO,
                    65_535,
                    0,
                    null));
    private final ReadHolds publisherHolds = new ReadHolds(publisherChannel);
    private final SubscriberWait publisher = new SubscriberWait(publisherChannel.eventLoop(), publisherHolds, server);

    @BeforeEach
    void subscriberReadsNothing() {
        subscriberChannel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        subscriberChannel.write(Unpooled.wrappedBuffer(new byte[16])); // unflushed: not writable
    }

    @AfterEach
    void close() {
        subscriberChannel.finishAndReleaseAll();
        publisherChannel.finishAndReleaseAll();
    }

    @Test
    void pastHalfTheQueue_thePublisherPauses_untilTheSubscriberIsDownToAQuarter() {
        offer(QUEUE / 2);
        assertThat(publisherChannel.config().isAutoRead()).isTrue();

        offer(1);
        assertThat(publisherChannel.config().isAutoRead()).isFalse();
        assertThat(publisherHolds.holds(ReadHolds.Reason.SUBSCRIBER)).isTrue();

        subscriberReadsAgain();

        assertThat(publisherChannel.config().isAutoRead()).isTrue();
        assertThat(waits("room")).isEqualTo(1);
        assertThat(waits("timeout")).isZero();
        assertThat(dropped()).isZero();
    }

    @Test
    void aSubscriberThatMakesNoRoomInTime_isNotWaitedFor_untilItCatchesUp() {
        offer(QUEUE / 2 + 1);
        assertThat(publisherChannel.config().isAutoRead()).isFalse();

        publisherChannel.advanceTimeBy(WAIT.toMillis() + 1, TimeUnit.MILLISECONDS);
        publisherChannel.runScheduledPendingTasks();

        assertThat(publisherChannel.config().isAutoRead()).isTrue();
        assertThat(waits("timeout")).isEqualTo(1);
        offer(QUEUE); // stalled: no pause, and past the bound the rest is dropped (counted)
        assertThat(publisherChannel.config().isAutoRead()).isTrue();
        assertThat(dropped()).isEqualTo(QUEUE / 2 + 1);

        subscriberReadsAgain(); // caught up: waited for again
        subscriberReadsNothing();
        offer(QUEUE / 2 + 1);
        assertThat(publisherChannel.config().isAutoRead()).isFalse();
    }

    @Test
    void aPublisherThatFindsTheQueueFull_waitsToo() {
        offer(QUEUE, null); // filled by publishers that do not wait (forwarded telemetry)
        assertThat(publisherChannel.config().isAutoRead()).isTrue();

        offer(1);

        assertThat(dropped()).isEqualTo(1);
        assertThat(publisherChannel.config().isAutoRead()).isFalse(); // not the rest of its read dropped as well
    }

    @Test
    void theSubscribersClose_releasesThePublisher() {
        offer(QUEUE / 2 + 1);
        assertThat(publisherChannel.config().isAutoRead()).isFalse();

        subscriber.close();
        publisherChannel.runPendingTasks();

        assertThat(publisherChannel.config().isAutoRead()).isTrue();
    }

    @Test
    void aPauseForAnotherReason_outlastsTheSubscribersRoom() {
        publisherHolds.hold(ReadHolds.Reason.ACKS);
        offer(QUEUE / 2 + 1);

        subscriberReadsAgain();

        assertThat(publisherHolds.holds(ReadHolds.Reason.SUBSCRIBER)).isFalse();
        assertThat(publisherChannel.config().isAutoRead()).isFalse(); // the ack window still holds it
        publisherHolds.release(ReadHolds.Reason.ACKS);
        assertThat(publisherChannel.config().isAutoRead()).isTrue();
    }

    @Test
    void withoutAWait_thePublisherNeverPauses() {
        ServerContext noWait = TestServer.context(
                MqttServerConfig.builder()
                        .subscriberQueue(QUEUE)
                        .subscriberWait(Duration.ZERO)
                        .build(),
                new SimpleMeterRegistry());
        assertThat(new SubscriberWait(publisherChannel.eventLoop(), publisherHolds, noWait).enabled())
                .isFalse();
    }

    private void offer(int n) {
        offer(n, publisher);
    }

    private void offer(int n, SubscriberWait from) {
        for (int i = 0; i < n; i++) {
            LocalMessage m = LocalMessage.create(
                    "t/" + i, "x".getBytes(StandardCharsets.UTF_8), 0, false, null, MqttProperties.NO_PROPERTIES, 0);
            subscriber.offer(new Outbound.Delivery(m, 0, false, List.of()), from);
        }
    }

    /** The client reads what was written: the channel is writable again and the drain empties the queue. */
    private void subscriberReadsAgain() {
        subscriberChannel.config().setWriteBufferWaterMark(WriteBufferWaterMark.DEFAULT);
        subscriberChannel.flush();
        for (Object o = subscriberChannel.readOutbound(); o != null; o = subscriberChannel.readOutbound()) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
        subscriber.drain();
        for (Object o = subscriberChannel.readOutbound(); o != null; o = subscriberChannel.readOutbound()) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
        publisherChannel.runPendingTasks();
    }

    private double waits(String outcome) {
        return registry.get("tributary.edge.mqtt.subscriber.waits")
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    private double dropped() {
        var c = registry.find("tributary.edge.mqtt.deliveries.dropped")
                .tag("reason", "queue_full")
                .counter();
        return c == null ? 0 : c.count();
    }
}
