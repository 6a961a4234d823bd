package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import org.junit.jupiter.api.Test;

class TopicAliasesTest {

    private static MqttProperties alias(int value) {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS, value));
        return props;
    }

    @Test
    void setThenUsed_replacedBySettingAgain() {
        TopicAliases aliases = new TopicAliases(3);
        assertThat(aliases.resolve("a/b", alias(3)).topic()).isEqualTo("a/b");
        assertThat(aliases.resolve("", alias(3)).topic()).isEqualTo("a/b");
        assertThat(aliases.resolve("c", alias(3)).topic()).isEqualTo("c");
        assertThat(aliases.resolve("", alias(3)).topic()).isEqualTo("c");
        assertThat(aliases.size()).isEqualTo(1);
    }

    @Test
    void zeroOrAboveMaximum_topicAliasInvalid_andNothingSet() {
        TopicAliases aliases = new TopicAliases(3);
        for (int bad : new int[] {0, 4, 65535}) {
            TopicAliases.Resolved r = aliases.resolve("a", alias(bad));
            assertThat(r.violation().reasonCode()).as("alias %d", bad).isEqualTo(PacketRules.TOPIC_ALIAS_INVALID);
            assertThat(r.topic()).isNull();
        }
        assertThat(aliases.size()).isZero();
    }

    @Test
    void maximumZero_everyAliasInvalid() {
        assertThat(new TopicAliases(0).resolve("a", alias(1)).violation().tag()).isEqualTo("topic_alias_invalid");
    }

    @Test
    void emptyTopic_withoutAliasOrWithUnsetAlias_protocolError() {
        TopicAliases aliases = new TopicAliases(3);
        assertThat(aliases.resolve("", MqttProperties.NO_PROPERTIES).violation().tag())
                .isEqualTo("empty_topic");
        TopicAliases.Resolved unset = aliases.resolve("", alias(2));
        assertThat(unset.violation().reasonCode()).isEqualTo(PacketRules.PROTOCOL_ERROR);
        assertThat(unset.violation().tag()).isEqualTo("topic_alias_unknown");
    }

    @Test
    void noAlias_topicAsSent() {
        TopicAliases.Resolved r = new TopicAliases(3).resolve("x/y", MqttProperties.NO_PROPERTIES);
        assertThat(r.topic()).isEqualTo("x/y");
        assertThat(r.violation()).isNull();
    }
}
