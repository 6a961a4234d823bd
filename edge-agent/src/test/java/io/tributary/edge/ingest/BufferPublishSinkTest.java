package io.tributary.edge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.aggregate.AggregationRules;
import io.tributary.edge.buffer.AppendOutcome;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.BufferedRecord;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.PayloadFormat;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.edge.mqtt.TopicMapping;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferPublishSinkTest {

    private static InboundPublish publish(String payload, Map<String, String> props) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return new InboundPublish(
                "client-1",
                "user",
                "tributary/plant-7/dev-42/env/temp",
                new TopicMapping.Match("plant-7", "dev-42", "env/temp"),
                1,
                bytes,
                PayloadFormat.detect(bytes),
                1_700_000_000_000L,
                props);
    }

    @Test
    void toRecord_jsonWithTs_usesDeviceTimeAndMapsEveryField() {
        Record r = BufferPublishSink.toRecord(publish("{\"ts\": 1699999999123, \"v\": 21.5}", Map.of("k", "v")));

        assertThat(r.getDeviceId()).isEqualTo("dev-42");
        assertThat(r.getDeviceGroup()).isEqualTo("plant-7");
        assertThat(r.getMetric()).isEqualTo("env/temp");
        assertThat(r.getTopic()).isEqualTo("tributary/plant-7/dev-42/env/temp");
        assertThat(r.getEventTimeMs()).isEqualTo(1_699_999_999_123L);
        assertThat(r.getEdgeReceiveTimeMs()).isEqualTo(1_700_000_000_000L);
        assertThat(r.getContentType()).isEqualTo(ContentType.CONTENT_TYPE_JSON);
        assertThat(r.getPayload().toStringUtf8()).isEqualTo("{\"ts\": 1699999999123, \"v\": 21.5}");
        assertThat(r.getAttributesMap()).containsExactly(Map.entry("k", "v"));
        assertThat(r.hasId()).isFalse();
        assertThat(r.getPartitionKey()).isEmpty();
    }

    @Test
    void toRecord_jsonWithoutUsableTs_usesReceiveTime() {
        assertThat(BufferPublishSink.toRecord(publish("{\"v\": 1}", Map.of())).getEventTimeMs())
                .isEqualTo(1_700_000_000_000L);
        assertThat(BufferPublishSink.toRecord(publish("{\"ts\": \"yesterday\"}", Map.of()))
                        .getEventTimeMs())
                .isEqualTo(1_700_000_000_000L);
        assertThat(BufferPublishSink.toRecord(publish("{\"ts\": 12.5}", Map.of()))
                        .getEventTimeMs())
                .isEqualTo(1_700_000_000_000L);
        assertThat(BufferPublishSink.toRecord(publish("{\"ts\": -5}", Map.of())).getEventTimeMs())
                .isEqualTo(1_700_000_000_000L);
    }

    private static long eventTime(String payload) {
        return BufferPublishSink.toRecord(publish(payload, Map.of())).getEventTimeMs();
    }

    @Test
    void toRecord_tsAmongHostileStrings_foundOnlyAtTopLevel() {
        // strings full of quotes, backslashes, escapes and a non-BMP character before the field; a nested "ts" and
        // a "ts" inside a string are not the event time
        assertThat(eventTime("{\"dev\":\"a\\\"ts\\\": 5, \\\\\\n\\u0000\uD83D\uDE00\",\"x\":{\"ts\":5},"
                        + "\"ts\":1699999999123}"))
                .isEqualTo(1_699_999_999_123L);
        assertThat(eventTime("{\"x\":{\"ts\":5},\"y\":[{\"ts\":6}]}")).isEqualTo(1_700_000_000_000L);
        assertThat(eventTime("{\"ts\":1,\"ts\":1699999999123}")).isEqualTo(1_699_999_999_123L); // last one wins
    }

    @Test
    void toRecord_tsNameWrittenWithAnEscape_stillTheEventTime() {
        // "t\u0073" is "ts" to any JSON reader; the old hand-written scanner read it as "tu0073"
        assertThat(eventTime("{\"t\\u0073\": 1699999999123}")).isEqualTo(1_699_999_999_123L);
    }

    @Test
    void toRecord_rawPayload_isRawWithReceiveTime() {
        Record r = BufferPublishSink.toRecord(publish("42", Map.of()));

        assertThat(r.getContentType()).isEqualTo(ContentType.CONTENT_TYPE_RAW);
        assertThat(r.getEventTimeMs()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void toSinkResult_eachOutcome_mapsToTheMqttAnswer() {
        assertThat(BufferPublishSink.toSinkResult(AppendOutcome.STORED)).isEqualTo(SinkResult.STORED);
        assertThat(BufferPublishSink.toSinkResult(AppendOutcome.QUOTA_EXCEEDED)).isEqualTo(SinkResult.QUOTA_EXCEEDED);
        assertThat(BufferPublishSink.toSinkResult(AppendOutcome.BUSY)).isEqualTo(SinkResult.BUSY);
        assertThat(BufferPublishSink.toSinkResult(AppendOutcome.UNAVAILABLE)).isEqualTo(SinkResult.FAILED);
    }

    @Test
    void accept_publish_isStoredInTheGroupLaneAndSignalled(@TempDir Path dir) {
        AtomicInteger stored = new AtomicInteger();
        try (DurableBuffer buffer = DurableBuffer.open(
                BufferConfig.builder(dir.resolve("b.db"), "agent").build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            BufferPublishSink sink = new BufferPublishSink(buffer, Duration.ZERO, stored::incrementAndGet);

            SinkResult result = sink.accept(publish("{\"v\": 1}", Map.of()))
                    .toCompletableFuture()
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();

            assertThat(result).isEqualTo(SinkResult.STORED);
            assertThat(stored).hasValue(1);
            List<BufferedRecord> read = buffer.read("plant-7", LanePosition.BEFORE_FIRST, 10, 1 << 20);
            assertThat(read).hasSize(1);
            assertThat(read.get(0).record().getId().getLane()).isEqualTo("plant-7");
            assertThat(read.get(0).record().getDeviceId()).isEqualTo("dev-42");
        }
    }

    @Test
    void accept_windowAndBothRules_storeInLocalRawLaneAndForBothAlsoInGroupLane(@TempDir Path dir) {
        try (DurableBuffer buffer = DurableBuffer.open(
                BufferConfig.builder(dir.resolve("b.db"), "agent").build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            AggregationRules window = AggregationRules.parse("tributary/+/+/env/#=window:60s");
            AggregationRules both = AggregationRules.parse("tributary/plant-7/#=both:10s");
            new BufferPublishSink(buffer, Duration.ZERO, () -> {}, false, window)
                    .accept(publish("{\"v\": 1}", Map.of()))
                    .toCompletableFuture()
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();
            SinkResult result = new BufferPublishSink(buffer, Duration.ZERO, () -> {}, false, both)
                    .accept(publish("{\"v\": 2}", Map.of()))
                    .toCompletableFuture()
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();

            assertThat(result).isEqualTo(SinkResult.STORED);
            assertThat(buffer.lanes())
                    .containsExactlyInAnyOrder("plant-7", "plant-7#60000ms#raw", "plant-7#10000ms#raw");
            assertThat(buffer.read("plant-7", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                    .extracting(r -> r.record().getPayload().toStringUtf8())
                    .containsExactly("{\"v\": 2}");
            assertThat(buffer.read("plant-7#60000ms#raw", LanePosition.BEFORE_FIRST, 10, 1 << 20))
                    .extracting(r -> r.record().getPayload().toStringUtf8())
                    .containsExactly("{\"v\": 1}");
        }
    }

    @Test
    void accept_closedBuffer_fails(@TempDir Path dir) {
        DurableBuffer buffer = DurableBuffer.open(
                BufferConfig.builder(dir.resolve("b.db"), "agent").build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());
        buffer.close();
        BufferPublishSink sink = new BufferPublishSink(buffer, Duration.ZERO, () -> {});

        assertThat(sink.accept(publish("1", Map.of())).toCompletableFuture().join())
                .isEqualTo(SinkResult.FAILED);
    }
}
