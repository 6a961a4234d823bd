package io.tributary.hub.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.testing.FakeHub;
import io.tributary.protocol.v1.Frame;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub that does not write the shard (another hub sharing the store does) answers a subscription with {@code ReadError
 * SHARD_UNAVAILABLE} naming the writer: the reader's session moves there and subscribes again.
 */
class ShardReaderRedirectTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ClientResources resources = new ClientResources(1);

    @AfterEach
    void tearDown() {
        resources.close();
    }

    @Test
    void readErrorNamingTheWriter_readerMovesThereOnceAndSubscribes() throws Exception {
        try (FakeHub other = new FakeHub();
                FakeHub writer = new FakeHub()) {
            other.redirectReadsTo(writer.endpoint().toString());
            try (ShardReader reader = ShardReader.open(
                    resources,
                    ClientOptions.builder(List.of(other.endpoint(), writer.endpoint()))
                            .connectTimeout(Duration.ofSeconds(2))
                            .build(),
                    ShardReaderOptions.of("telemetry", "shard-0", ReadPosition.trimHorizon()))) {
                await().atMost(WAIT)
                        .until(() -> !writer.received(Frame.BodyCase.SUBSCRIBE).isEmpty());
                assertThat(other.received(Frame.BodyCase.SUBSCRIBE)).hasSize(1);
                assertThat(other.hellos()).isEqualTo(1);
                assertThat(writer.hellos()).isEqualTo(1);
                assertThat(writer.received(Frame.BodyCase.SUBSCRIBE)
                                .get(0)
                                .frame()
                                .getSubscribe()
                                .getStream())
                        .isEqualTo("telemetry");
            }
        }
    }
}
