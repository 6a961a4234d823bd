package io.tributary.hub.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.testing.FakeHub;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Record;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the {@link Producer} does with the home region's refusals: a NOT_HOME batch goes to the home's hub (the session
 * moves there, see {@code HubSessionContract}) and a NOT_REPLICATED one is sent again on the same connection; neither
 * fails a put.
 */
class ProducerRedirectTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ClientResources resources = new ClientResources(1);

    @AfterEach
    void tearDown() {
        resources.close();
    }

    private Producer start(HubEndpoint... endpoints) {
        return Producer.create(
                resources,
                ClientOptions.builder(List.of(endpoints))
                        .connectTimeout(Duration.ofSeconds(2))
                        .build(),
                ProducerOptions.defaults("telemetry")
                        .withProducerId("producer-1")
                        .withBatching(10, Duration.ofMillis(1), 8));
    }

    private static List<CompletableFuture<PutResult>> put(Producer producer, String key, int n) {
        List<Record.Builder> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(Record.newBuilder().setPayload(ByteString.copyFrom(key + i, StandardCharsets.UTF_8)));
        }
        return producer.putAll(key, records);
    }

    /** The sequences of {@code lane} in the batches {@code hub} received, as often as they came. */
    private static List<Long> sequencesReceived(FakeHub hub, String lane) {
        return hub.received(Frame.BodyCase.BATCH).stream()
                .map(a -> a.frame().getBatch())
                .filter(b -> b.getLane().equals(lane))
                .flatMap(b -> LongStream.rangeClosed(b.getFirstSequence(), b.getLastSequence())
                        .boxed())
                .sorted()
                .toList();
    }

    @Test
    void notHome_everyRecordIsAckedOnceByTheHomeHub_noneLost() throws Exception {
        try (FakeHub replica = new FakeHub();
                FakeHub home = new FakeHub()) {
            replica.redirectBatchesTo(home.endpoint().toString());
            try (Producer producer = start(replica.endpoint(), home.endpoint())) {
                List<CompletableFuture<PutResult>> futures = new ArrayList<>(put(producer, "a", 150));
                futures.addAll(put(producer, "b", 50));

                await().atMost(WAIT).until(() -> futures.stream().allMatch(CompletableFuture::isDone));
                assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
                assertThat(sequencesReceived(home, "a"))
                        .as("each record sent to the home once, so acknowledged once")
                        .containsExactlyElementsOf(
                                LongStream.range(0, 150).boxed().toList());
                assertThat(sequencesReceived(home, "b"))
                        .containsExactlyElementsOf(
                                LongStream.range(0, 50).boxed().toList());
                assertThat(replica.received(Frame.BodyCase.BATCH)).isNotEmpty();
                assertThat(replica.hellos()).isEqualTo(1);
                assertThat(home.hellos()).isEqualTo(1);
                assertThat(producer.expiredRecords()).isZero();
                assertThat(producer.bufferedRecords()).isZero();
            }
        }
    }

    @Test
    void notReplicated_isSentAgainOnTheSameConnection() throws Exception {
        try (FakeHub home = new FakeHub()) {
            home.notReplicatedFirstBatch(true);
            try (Producer producer = start(home.endpoint())) {
                PutResult result = put(producer, "a", 1).get(0).get(WAIT.toSeconds(), TimeUnit.SECONDS);

                assertThat(result.sequence()).isZero();
                List<FakeHub.Arrival> batches = home.received(Frame.BodyCase.BATCH);
                assertThat(batches)
                        .extracting(a -> a.frame().getBatch().getFirstSequence())
                        .containsExactly(0L, 0L);
                assertThat(home.hellos()).isEqualTo(1);
                // after a short backoff: defaults() start at 50 ms, jittered down to half
                assertThat(batches.get(1).nanos() - batches.get(0).nanos())
                        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(25));
                assertThat(producer.expiredRecords()).isZero();
            }
        }
    }
}
