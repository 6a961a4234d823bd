package io.tributary.edge.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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

    @Test
    void closeUpTo_oneWindow_computesCountMinMaxSumLastPerDeviceAndField() throws InvalidProtocolBufferException {
        WindowAggregator agg = new WindowAggregator("agent", "g", 60_000);
        agg.add(raw("d1", 60_000, "{\"t\": 20, \"h\": 50}"));
        agg.add(raw("d1", 61_000, "{\"t\": 22}"));
        agg.add(raw("d1", 119_999, "{\"t\": 18}"));
        agg.add(raw("d2", 70_000, "{\"t\": 5}"));
        assertThat(agg.add(raw("d2", 70_001, "not a number"))).isFalse();
        agg.add(raw("d1", 120_000, "{\"t\": 99}")); // next window

        assertThat(agg.closeUpTo(119_999)).isEmpty(); // window [60s, 120s) not over yet
        List<Record> out = agg.closeUpTo(120_000);

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
            assertThat(r.getId().getLane()).isEqualTo("g#agg");
            assertThat(r.getId().getAgentEpoch()).isEqualTo(60_000);
        });
        assertThat(out.stream().map(r -> r.getId().getSequence())).containsExactly(0L, 1L, 2L);
        assertThat(agg.openWindows()).isEqualTo(1);
    }

    @Test
    void replay_sameRawRecordsInAnotherArrivalOrder_yieldsIdenticalAggregatesAndIds() {
        List<Record> raws = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            raws.add(raw("d" + (i % 4), 1_000L * i, "{\"v\": " + i + "}"));
        }
        WindowAggregator first = new WindowAggregator("agent", "g", 10_000);
        raws.forEach(first::add);
        WindowAggregator replay = new WindowAggregator("agent", "g", 10_000);
        List<Record> shuffled = new ArrayList<>(raws);
        java.util.Collections.rotate(shuffled.subList(0, 10), 3); // order inside one window differs, last aside
        shuffled.forEach(replay::add);

        List<Record> a = first.closeUpTo(50_000);
        List<Record> b = replay.closeUpTo(50_000);

        assertThat(a).hasSize(20);
        assertThat(b.stream().map(Record::getId).toList())
                .containsExactlyElementsOf(a.stream().map(Record::getId).toList());
        for (int i = 0; i < a.size(); i++) {
            assertThat(counts(b.get(i))).isEqualTo(counts(a.get(i)));
        }
    }

    private static List<Double> counts(Record r) {
        try {
            Aggregate x = Aggregate.parseFrom(r.getPayload());
            return List.of((double) x.getCount(), x.getMin(), x.getMax(), x.getSum());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
