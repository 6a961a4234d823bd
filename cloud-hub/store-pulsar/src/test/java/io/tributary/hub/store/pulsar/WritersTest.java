package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** How the store learns who holds a topic: the broker's refusal, and the admin API's topic stats. */
class WritersTest {

    @Test
    void holderIn_theBrokersRefusal_namesTheExclusiveProducer() {
        assertThat(Writers.holderIn("Topic has an existing exclusive producer: tributary:1-ab@h:7400"))
                .contains("tributary:1-ab@h:7400");
        assertThat(Writers.holderIn("{\"errorMsg\":\"Topic has an existing exclusive producer: tributary:1-ab@h:7400\","
                        + "\"reqId\":228081179119868436, \"remote\":\"127.0.0.1/127.0.0.1:38061\"}"))
                .contains("tributary:1-ab@h:7400");
        assertThat(Writers.holderIn("{\"errorMsg\":\"x\"} Topic has an existing exclusive producer: null"))
                .isEmpty();
        assertThat(Writers.holderIn("Topic epoch has already moved. Current epoch: 2, Producer epoch: 1"))
                .isEmpty();
        assertThat(Writers.holderIn(null)).isEmpty();
    }

    @Test
    void publisherNames_fromTopicStats() throws IOException {
        String stats = "{\"msgRateIn\":1.5,\"publishers\":[{\"accessMode\":\"Exclusive\",\"msgRateIn\":0.0,"
                + "\"metadata\":{\"a\":\"b\"},\"producerName\":\"tributary:9-cd@h2:7401\",\"producerId\":0}],"
                + "\"subscriptions\":{\"s\":{\"consumers\":[{\"producerName\":\"not-this\"}]}}}";
        assertThat(PulsarAdminRest.publisherNames(stats)).containsExactly("tributary:9-cd@h2:7401");
        assertThat(PulsarAdminRest.publisherNames("{\"publishers\":[]}")).isEmpty();
    }
}
