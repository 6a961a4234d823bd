package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.FencedException;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.NackReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hub-granted producer epochs and the producer's delivery timeout, against a real hub: a new instance of an id gets a
 * new epoch and fences the older one; nothing either of them had acknowledged is lost; a batch given up after the
 * delivery timeout declares a gap so its lane goes on.
 */
class ProducerEpochIT {
    private static final String STREAM = "telemetry";

    @TempDir
    Path dir;

    private Hub hub;
    private int port;
    private ClientResources resources;

    @BeforeEach
    void start() throws Exception {
        hub = Hub.start(TestHubs.config(dir, Map.of()));
        port = hub.port();
        resources = new ClientResources(1);
        TestHubs.createStream(resources, TestHubs.client(port), STREAM, 1);
    }

    @AfterEach
    void stop() {
        resources.close();
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void twoProducersWithOneId_olderIsFenced_nothingAcknowledgedIsLost() throws Exception {
        ProducerOptions options = TestHubs.producer(STREAM, "twin", 5);
        try (Producer older = Producer.create(resources, TestHubs.client(port), options);
                Producer newer = Producer.create(resources, TestHubs.client(port), options)) {
            putAll(older, "older", 20);
            putAll(newer, "newer", 20);
            assertThat(newer.epoch()).isGreaterThan(older.epoch());
            // Same id, same lane, same sequences 0..19: only the epochs tell the two apart.
            CompletableFuture<PutResult> late = older.put("k", "older-late".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(late::isDone);
            assertThat(late).isCompletedExceptionally();
            assertThat(late.handle((r, e) -> e.getCause() != null ? e.getCause() : e)
                            .get())
                    .isInstanceOf(FencedException.class);
        }
        List<String> stored = texts();
        assertThat(stored).hasSize(40).doesNotContain("older-late");
        assertThat(hub.registry().get("tributary.hub.epoch.fenced").counter().count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void restartedProducer_getsANewEpoch_andItsRecordsAreNotTakenForDuplicates() throws Exception {
        ProducerOptions options = TestHubs.producer(STREAM, "restarts", 5);
        long first;
        try (Producer p = Producer.create(resources, TestHubs.client(port), options)) {
            putAll(p, "run1", 10);
            first = p.epoch();
        }
        try (Producer p = Producer.create(resources, TestHubs.client(port), options)) {
            List<PutResult> results = putAll(p, "run2", 10);
            assertThat(results).noneMatch(PutResult::duplicate);
            assertThat(p.epoch()).isGreaterThan(first);
        }
        assertThat(texts()).hasSize(20);
    }

    @Test
    void deliveryTimeoutMidStream_declaresAGap_andTheLaneGoesOn() throws Exception {
        ProducerOptions options = new ProducerOptions(
                STREAM,
                "impatient",
                io.tributary.protocol.v1.Codec.CODEC_LZ4,
                5,
                1 << 20,
                Duration.ofMillis(2),
                8,
                100_000,
                Duration.ofSeconds(2),
                Duration.ofMillis(20),
                Duration.ofMillis(100));
        try (Producer p = Producer.create(resources, TestHubs.client(port), options)) {
            putAll(p, "before", 10);

            hub.close(); // records put now cannot reach the hub before their delivery timeout
            hub = null;
            List<CompletableFuture<PutResult>> doomed = put(p, "doomed", 10);
            await().atMost(Duration.ofSeconds(20)).until(() -> doomed.stream().allMatch(CompletableFuture::isDone));
            assertThat(doomed).allMatch(CompletableFuture::isCompletedExceptionally);
            assertThat(p.expiredRecords()).isEqualTo(10);

            hub = Hub.start(TestHubs.config(dir, Map.of("port", Integer.toString(port))));
            // Without the declared gap, every batch from here on is refused as out of sequence (the hub last stored
            // sequence 9; these start at 20) until it times out in turn.
            List<PutResult> after = putAll(p, "after", 10);
            assertThat(after).hasSize(10);
        }
        assertThat(texts())
                .containsExactly(
                        "before-0",
                        "before-1",
                        "before-2",
                        "before-3",
                        "before-4",
                        "before-5",
                        "before-6",
                        "before-7",
                        "before-8",
                        "before-9",
                        "after-0",
                        "after-1",
                        "after-2",
                        "after-3",
                        "after-4",
                        "after-5",
                        "after-6",
                        "after-7",
                        "after-8",
                        "after-9");
    }

    @Test
    void agentPresentingASupersededGrant_isFenced_liveAndAtItsNextHandshake() throws Exception {
        try (RawLink first = RawLink.handshake(port, "edge-x", 0, Optional.empty())) {
            long old = first.epoch();
            try (RawLink second = RawLink.handshake(port, "edge-x", 0, Optional.empty())) {
                assertThat(second.epoch()).isGreaterThan(old);
                Frame error = first.receive(); // the live connection under the old grant is fenced at once
                assertThat(error.getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_FENCED);
                first.awaitClosedByHub();
                try (RawLink again = RawLink.connect(port)) {
                    again.send(RawLink.frame(RawLink.hello("edge-x", old, Optional.empty())));
                    Frame refused = again.receive();
                    assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_FENCED);
                    assertThat(refused.getError().getMessage()).contains("newer instance");
                }
                try (RawLink resumed = RawLink.handshake(port, "edge-x", second.epoch(), Optional.empty())) {
                    assertThat(resumed.epoch()).isEqualTo(second.epoch());
                }
            }
        }
    }

    @Test
    void helloWithAnEpochTheHubNeverGranted_isAProtocolViolation() throws Exception {
        try (RawLink link = RawLink.connect(port)) {
            link.send(RawLink.frame(RawLink.hello("edge-y", 42, Optional.empty())));
            Frame refused = link.receive();
            assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_PROTOCOL_VIOLATION);
            assertThat(refused.getError().getMessage()).contains("not granted");
        }
    }

    @Test
    void batchUnderAnotherEpoch_isRefusedAsStale() throws Exception {
        try (RawLink link = RawLink.handshake(port, "edge-z", 0, Optional.empty())) {
            Frame reply = link.call(TestRecords.batch(1, STREAM, "edge-z", link.epoch() + (1L << 32), "g", 0, 2));
            assertThat(reply.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_STALE_EPOCH);
            assertThat(reply.getNack().getRetriable()).isFalse();
            assertThat(link.call(TestRecords.batch(2, STREAM, "edge-z", link.epoch() + 7, "g", 0, 2))
                            .hasBatchAck())
                    .isTrue();
        }
    }

    private List<String> texts() {
        return TestRecords.readStream(hub.store(), hub.streams().describe(STREAM)).stream()
                .map(Stored::record)
                .map(r -> r.getPayload().toStringUtf8())
                .toList();
    }

    private static List<CompletableFuture<PutResult>> put(Producer p, String prefix, int n) {
        List<CompletableFuture<PutResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(p.put("k", (prefix + "-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return futures;
    }

    private static List<PutResult> putAll(Producer p, String prefix, int n) throws Exception {
        List<PutResult> results = new ArrayList<>();
        for (CompletableFuture<PutResult> f : put(p, prefix, n)) {
            results.add(f.get(30, TimeUnit.SECONDS));
        }
        return results;
    }
}
