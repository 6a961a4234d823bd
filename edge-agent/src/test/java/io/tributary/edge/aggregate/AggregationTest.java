package io.tributary.edge.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AggregationTest {

    private static Record raw(String device, long receiveMs, String json) {
        return Record.newBuilder()
                .setDeviceId(device)
                .setDeviceGroup("g")
                .setMetric("env")
                .setEdgeReceiveTimeMs(receiveMs)
                .setContentType(ContentType.CONTENT_TYPE_JSON)
                .setPayload(ByteString.copyFromUtf8(json))
                .build();
    }

    @Test
    void topicFilter_wildcards_matchLikeMqtt() {
        assertThat(TopicFilter.parse("sensors/#").matches("sensors")).isTrue();
        assertThat(TopicFilter.parse("sensors/#").matches("sensors/a/b")).isTrue();
        assertThat(TopicFilter.parse("sensors/+/temp").matches("sensors/a/temp"))
                .isTrue();
        assertThat(TopicFilter.parse("sensors/+/temp").matches("sensors/a/b/temp"))
                .isFalse();
        assertThat(TopicFilter.parse("sensors/+").matches("sensors")).isFalse();
        assertThat(TopicFilter.parse("#").matches("anything/at/all")).isTrue();
        assertThatThrownBy(() -> TopicFilter.parse("a/#/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicFilter.parse("a/b+")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parse_ruleString_firstMatchWinsAndUnmatchedIsRaw() {
        AggregationRules rules = AggregationRules.parse("sensors/+/temp=both:10s; sensors/#=window:1m;alarms/#=raw");

        assertThat(rules.match("sensors/a/temp").orElseThrow().mode()).isEqualTo(AggregationRules.Mode.BOTH);
        assertThat(rules.match("sensors/a/temp").orElseThrow().window()).isEqualTo(Duration.ofSeconds(10));
        assertThat(rules.match("sensors/a/hum").orElseThrow().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(rules.match("alarms/x").orElseThrow().mode()).isEqualTo(AggregationRules.Mode.RAW);
        assertThat(rules.match("other")).isEmpty();
        assertThatThrownBy(() -> AggregationRules.parse("a/#=window;b=sometimes"))
                .hasMessageContaining("needs a window")
                .hasMessageContaining("'b=sometimes'");
    }

    private static LanePosition at(long seq) {
        return new LanePosition(1, seq);
    }

    @Test
    void closeUpTo_oneWindow_computesCountMinMaxSumLastPerDeviceAndField() throws InvalidProtocolBufferException {
        WindowAggregator agg = new WindowAggregator(60_000);
        agg.add(raw("d1", 60_000, "{\"t\": 20, \"h\": 50}"), at(0));
        agg.add(raw("d1", 61_000, "{\"t\": 22}"), at(1));
        agg.add(raw("d2", 70_000, "{\"t\": 5}"), at(2));
        assertThat(agg.add(raw("d2", 70_001, "not a number"), at(3))).isFalse();
        agg.add(raw("d1", 119_999, "{\"t\": 18}"), at(4));

        assertThat(agg.closeUpTo(119_999).aggregates()).isEmpty(); // window [60s, 120s) not over yet
        WindowAggregator.Closed closed = agg.closeUpTo(120_000);
        List<Record> out = closed.aggregates();

        assertThat(out).hasSize(3); // d1/h, d1/t, d2/t
        Aggregate d1t = Aggregate.parseFrom(out.get(1).getPayload());
        assertThat(d1t.getDeviceId()).isEqualTo("d1");
        assertThat(d1t.getField()).isEqualTo("t");
        assertThat(d1t.getCount()).isEqualTo(3);
        assertThat(d1t.getMin()).isEqualTo(18);
        assertThat(d1t.getMax()).isEqualTo(22);
        assertThat(d1t.getSum()).isEqualTo(60);
        assertThat(d1t.getSum() / d1t.getCount()).isEqualTo(20); // mean
        assertThat(d1t.getLast()).isEqualTo(18);
        assertThat(d1t.getWindowStartMs()).isEqualTo(60_000);
        assertThat(d1t.getWindowEndMs()).isEqualTo(120_000);
        assertThat(out).allSatisfy(r -> {
            assertThat(r.getContentType()).isEqualTo(ContentType.CONTENT_TYPE_AGGREGATE);
            assertThat(r.getDeviceGroup()).isEqualTo("g");
            assertThat(r.getEventTimeMs()).isEqualTo(60_000);
        });
        assertThat(closed.upTo()).contains(at(4));
        assertThat(closed.windows()).isEqualTo(1);
        assertThat(closed.records()).isEqualTo(4);
        assertThat(agg.openWindows()).isZero();
    }

    @Test
    void add_recordStampedBeforeCurrentWindow_countsInCurrentWindowSoMarkerStaysAPrefix()
            throws InvalidProtocolBufferException {
        WindowAggregator agg = new WindowAggregator(10_000);
        agg.add(raw("d", 9_990, "{\"v\": 1}"), at(0));
        agg.add(raw("d", 10_001, "{\"v\": 2}"), at(1)); // window [10s, 20s) starts
        agg.add(raw("d", 9_999, "{\"v\": 4}"), at(2)); // stamped earlier on another event loop

        WindowAggregator.Closed first = agg.closeFinished();

        assertThat(first.upTo()).contains(at(0));
        assertThat(Aggregate.parseFrom(first.aggregates().get(0).getPayload()).getSum())
                .isEqualTo(1);
        assertThat(agg.late()).isEqualTo(1);
        WindowAggregator.Closed second = agg.closeUpTo(20_000);
        assertThat(second.upTo()).contains(at(2));
        assertThat(Aggregate.parseFrom(second.aggregates().get(0).getPayload()).getSum())
                .isEqualTo(6);
        agg.add(raw("d", 15_000, "{\"v\": 8}"), at(3)); // after its window was emitted: goes to the next one
        assertThat(agg.closeUpTo(30_000).aggregates())
                .extracting(Record::getEventTimeMs)
                .containsExactly(20_000L);
    }

    @Test
    void replay_afterMarker_rebuildsOpenWindowsWithoutRecountingEmittedRecords() {
        List<Record> raws = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            raws.add(raw("d" + (i % 4), 1_000L * i, "{\"v\": 1}"));
        }
        WindowAggregator first = new WindowAggregator(10_000);
        for (int i = 0; i < 25; i++) {
            first.add(raws.get(i), at(i));
        }
        WindowAggregator.Closed emitted = first.closeFinished(); // windows [0,10s) and [10s,20s); crash after
        long marker = emitted.upTo().orElseThrow().sequence();
        WindowAggregator replay = new WindowAggregator(10_000);
        for (int i = (int) marker + 1; i < raws.size(); i++) {
            replay.add(raws.get(i), at(i));
        }

        long total = emitted.records() + replay.closeUpTo(Long.MAX_VALUE).records();

        assertThat(marker).isEqualTo(19);
        assertThat(total).isEqualTo(50);
    }
}
