package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicMappingTest {

    private final TopicMapping mapping = TopicMapping.defaultMapping();

    @Test
    void match_defaultTemplate_extractsGroupDeviceMetric() {
        assertThat(mapping.match("tributary/plant-1/pump-7/temperature"))
                .contains(new TopicMapping.Match("plant-1", "pump-7", "temperature"));
    }

    @Test
    void match_multiLevelMetric_joinsLevelsWithSlash() {
        assertThat(mapping.match("tributary/g/d/motor/1/rpm"))
                .contains(new TopicMapping.Match("g", "d", "motor/1/rpm"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "tributary/g/d", "tributary/g/d/", "tributary//d/m", "other/g/d/m", "tributary/g/d/a//b"})
    void match_topicOutsideTemplate_empty(String topic) {
        assertThat(mapping.match(topic)).isEmpty();
    }

    @Test
    void match_customTemplateWithLiteralsInside_matchesExactLevelCount() {
        TopicMapping custom = TopicMapping.parse("site/{group}/dev/{device}/{metric}");
        assertThat(custom.match("site/a/dev/b/c")).contains(new TopicMapping.Match("a", "b", "c"));
        assertThat(custom.match("site/a/dev/b/c/d")).isEmpty();
        assertThat(custom.match("site/a/DEV/b/c")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|topic template is empty",
                "a/{group}/{device}|lacks the {metric} placeholder",
                "{group}/{device}/{metric...}/x|{metric...} must be the last level",
                "{group}/{device}/{colour}|unknown placeholder",
                "{group}/{group}/{device}/{metric}|placeholder appears more than once",
                "{group}/{device}/{metric}/{metric...}|placeholder appears more than once",
                "x{group}/{device}/{metric}|must fill the whole level",
                "{group}//{device}/{metric}|empty level",
                "+/{group}/{device}/{metric}|wildcards",
            })
    void parse_badTemplate_clearMessage(String template, String message) {
        assertThatThrownBy(() -> TopicMapping.parse(template))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void parse_error_namesTemplateAndLevel() {
        assertThatThrownBy(() -> TopicMapping.parse("t/{group}/{dev}/{metric}"))
                .hasMessage("topic template 't/{group}/{dev}/{metric}', level 3 '{dev}': unknown placeholder; "
                        + "use {group}, {device}, {metric} or {metric...}");
    }
}
