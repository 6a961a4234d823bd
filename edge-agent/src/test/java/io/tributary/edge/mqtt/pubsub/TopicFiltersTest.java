package io.tributary.edge.mqtt.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicFiltersTest {

    @ParameterizedTest
    @CsvSource({
        "a/b/c, a/b/c, true",
        "a/+/c, a/b/c, true",
        "a/+/c, a/b/d, false",
        "a/#, a, true",
        "a/#, a/b/c, true",
        "a/#, ab, false",
        "#, a/b, true",
        "+, a, true",
        "+, a/b, false",
        "+/+, /x, true",
        "a//b, a//b, true",
        "a/+/b, a//b, true",
        "a/b, a/b/c, false",
        "a/b/c, a/b, false",
        "#, $SYS/x, false",
        "+/x, $SYS/x, false",
        "$SYS/#, $SYS/x, true",
        "$SYS/+, $SYS/x, true",
        "sport/tennis/+, sport/tennis/player1, true",
        "sport/+, sport/, true",
        "sport/+, sport, false"
    })
    void matches_followsTheSpecificationExamples(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic))
                .as("%s ~ %s", filter, topic)
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "a/#/b",
                "a/b#",
                "a+/b",
                "#/",
                "$share/g",
                "$share//a",
                "$share/g+/a",
                "$share/g/",
                "a\u0000b"
            })
    void parse_refusesInvalidFilters(String filter) {
        assertThatThrownBy(() -> TopicFilters.parse(filter)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "/", "//", "a//b", "+/+/#", "#", "$SYS/#"})
    void parse_acceptsValidFilters_emptyLevelsIncluded(String filter) {
        assertThat(TopicFilters.parse(filter)).isEqualTo(new TopicFilters.Parsed(null, filter));
    }

    @ParameterizedTest
    @ValueSource(ints = {TopicFilters.MAX_FILTER_LENGTH + 1, 65_535})
    void parse_refusesOverlongFilters(int length) {
        assertThatThrownBy(() -> TopicFilters.parse("a".repeat(length)))
                .hasMessageContaining("more than " + TopicFilters.MAX_FILTER_LENGTH);
    }

    @org.junit.jupiter.api.Test
    void parse_sharedSubscription_splitsGroupAndFilter() {
        assertThat(TopicFilters.parse("$share/workers/jobs/+")).isEqualTo(new TopicFilters.Parsed("workers", "jobs/+"));
    }
}
