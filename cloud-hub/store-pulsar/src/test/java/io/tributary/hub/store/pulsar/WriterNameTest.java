package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class WriterNameTest {

    @Test
    void producerName_parsesBackToTheSameWriter() {
        WriterName w = WriterName.forThisProcess("10.0.0.5:7400");
        assertThat(w.producerName())
                .startsWith("tributary:" + ProcessHandle.current().pid() + "-");
        assertThat(w.producerName()).endsWith("@10.0.0.5:7400");
        assertThat(WriterName.parse(w.producerName())).contains(w);
    }

    @Test
    void twoRunsOfOneHub_haveDifferentNames() {
        assertThat(WriterName.forThisProcess("h:1").producerName())
                .isNotEqualTo(WriterName.forThisProcess("h:1").producerName());
    }

    @Test
    void parse_ipv6AndEmptyEndpoints() {
        assertThat(WriterName.parse("tributary:12-ab@[::1]:7400")).contains(new WriterName("12-ab", "[::1]:7400"));
        assertThat(WriterName.parse("tributary:12-ab@")).contains(new WriterName("12-ab", ""));
    }

    @Test
    void parse_producersThatAreNotAStore_empty() {
        assertThat(WriterName.parse("standalone-0-12")).isEqualTo(Optional.empty());
        assertThat(WriterName.parse("tributary:no-endpoint")).isEmpty();
        assertThat(WriterName.parse(null)).isEmpty();
    }

    @Test
    void toString_namesEndpointAndRun() {
        assertThat(new WriterName("12-ab", "h:7400")).hasToString("h:7400 (run 12-ab)");
        assertThat(new WriterName("12-ab", "")).hasToString("a hub with no advertised endpoint (run 12-ab)");
    }
}
