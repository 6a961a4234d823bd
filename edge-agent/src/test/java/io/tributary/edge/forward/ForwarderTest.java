package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ForwarderTest extends ForwarderFixture {

    private static List<RecordId> idsOfLane(List<Record> records, String lane) {
        return records.stream()
                .map(Record::getId)
                .filter(id -> id.getLane().equals(lane))
                .toList();
    }

    @Test
    void forward_recordsInTwoLanes_deliveredOnceInLaneOrderAndReleased() {
        List<RecordId> a = append("a", 300);
        List<RecordId> b = append("b", 120);

        start(hub.address(), config());

        await().atMost(WAIT).until(() -> hub.recordCount() == 420);
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(a);
        assertThat(idsOfLane(hub.records(), "b")).containsExactlyElementsOf(b);
        assertThat(hub.duplicates()).isZero();
        await().atMost(WAIT)
                .until(() -> buffer.releasedPosition("a").equals(LanePosition.of(a.get(299)))
                        && buffer.releasedPosition("b").equals(LanePosition.of(b.get(119))));
        assertThat(hub.batches()).allSatisfy(batch -> {
            assertThat(batch.getRecordCount()).isLessThanOrEqualTo(50);
            assertThat(batch.getLastSequence() - batch.getFirstSequence() + 1).isEqualTo(batch.getRecordCount());
            assertThat(batch.getPartitionKey()).isEqualTo(batch.getLane());
        });
        assertThat(registry.get("tributary.edge.forward.records").counter().count())
                .isEqualTo(420);
        // every batch sent noted its first record's wait in the buffer (receive time to send)
        assertThat(registry.get("tributary.edge.forward.wait").timer().count())
                .isEqualTo(registry.get("tributary.edge.forward.ack.latency")
                        .timer()
                        .count())
                .isPositive();
    }

    @Test
    void release_whileHubRefusesRetriably_waitsForTheAck() {
        List<RecordId> ids = append("a", 20);
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger phase = new AtomicInteger();
        hub.policy(batch -> {
            refusals.incrementAndGet();
            return phase.get() == 0 ? new FakeHub.Refuse(NackReason.NACK_REASON_SHARD_UNAVAILABLE, true) : FakeHub.ACK;
        });

        start(hub.address(), config());

        await().atMost(WAIT).until(() -> refusals.get() >= 3);
        assertThat(hub.recordCount()).isZero();
        assertThat(buffer.releasedPosition("a")).isEqualTo(LanePosition.BEFORE_FIRST);
        phase.set(1);
        await().atMost(WAIT).until(() -> buffer.releasedPosition("a").equals(LanePosition.of(ids.get(19))));
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(ids);
    }

    @Test
    void reconnect_afterAckLost_resendsSameIdsAndHubDeduplicates() {
        List<RecordId> ids = append("a", 200);
        AtomicInteger seen = new AtomicInteger();
        hub.storeBeforeDrop(true);
        hub.policy(batch -> seen.incrementAndGet() == 2 ? new FakeHub.DropConnection() : FakeHub.ACK);

        start(hub.address(), config().withInFlight(4, 4));

        await().atMost(WAIT).until(() -> buffer.releasedPosition("a").equals(LanePosition.of(ids.get(199))));
        assertThat(hub.hellos()).isGreaterThanOrEqualTo(2);
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(ids);
        assertThat(hub.duplicates()).isPositive(); // the stored-but-unacknowledged batch came again, same ids
        assertThat(registry.get("tributary.edge.forward.reconnects").counter().count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void throttle_fromHub_pausesSendingForTheTimeAsked() {
        append("a", 10);
        AtomicInteger seen = new AtomicInteger();
        hub.policy(batch -> seen.incrementAndGet() == 1 ? new FakeHub.ThrottleFor(400) : FakeHub.ACK);

        start(hub.address(), config());

        await().atMost(WAIT).until(() -> hub.recordCount() == 10);
        List<Long> arrivals = hub.batchArrivals();
        assertThat(arrivals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(TimeUnit.NANOSECONDS.toMillis(arrivals.get(1) - arrivals.get(0)))
                .isGreaterThanOrEqualTo(380);
        assertThat(registry.get("tributary.edge.forward.throttles").counter().count())
                .isEqualTo(1);
    }

    @Test
    void notHome_movesToTheHomeHub_whichAcksEveryBufferedRecordOnce() throws Exception {
        try (FakeHub home = new FakeHub()) {
            List<RecordId> a = append("a", 300);
            List<RecordId> b = append("b", 120);
            hub.policy(batch -> new FakeHub.NotHome(home.address(), "us"));

            start(hub.address() + "," + home.address(), config());

            await().atMost(WAIT)
                    .until(() -> buffer.releasedPosition("a").equals(LanePosition.of(a.get(299)))
                            && buffer.releasedPosition("b").equals(LanePosition.of(b.get(119))));
            assertThat(idsOfLane(home.records(), "a")).containsExactlyElementsOf(a);
            assertThat(idsOfLane(home.records(), "b")).containsExactlyElementsOf(b);
            assertThat(home.duplicates())
                    .as("each record sent to the home once")
                    .isZero();
            assertThat(hub.recordCount()).isZero();
            assertThat(registry.get("tributary.edge.forward.records").counter().count())
                    .isEqualTo(420);
            assertThat(registry.get("tributary.edge.forward.redirects")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.get("tributary.edge.forward.reconnects")
                            .counter()
                            .count())
                    .as("a move is not a loss")
                    .isZero();
            assertThat(registry.get("tributary.edge.forward.errors").counter().count())
                    .isZero();
            assertThat(forwarder.status().endpoint()).isEqualTo(home.address());
            assertThat(forwarder.status().healthy()).isTrue();
        }
    }

    @Test
    void notReplicated_isSentAgainOnTheSameConnection_andAckedAsADuplicate() {
        List<RecordId> ids = append("a", 10);
        AtomicInteger seen = new AtomicInteger();
        hub.policy(batch -> seen.incrementAndGet() == 1 ? new FakeHub.NotReplicated() : FakeHub.ACK);

        start(hub.address(), config());

        await().atMost(WAIT).until(() -> buffer.releasedPosition("a").equals(LanePosition.of(ids.get(9))));
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(ids);
        assertThat(hub.duplicates())
                .as("stored at the first send, so the resend is a duplicate")
                .isEqualTo(10);
        assertThat(hub.hellos()).isEqualTo(1);
        assertThat(registry.get("tributary.edge.forward.errors").counter().count())
                .isZero();
        assertThat(forwarder.status().healthy()).isTrue();
    }

    @Test
    void failover_firstEndpointDown_deliversToSecond() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        List<RecordId> ids = append("a", 30);

        start("127.0.0.1:" + deadPort + "," + hub.address(), config());

        await().atMost(WAIT).until(() -> hub.recordCount() == 30);
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(ids);
        assertThat(forwarder.status().endpoint()).isEqualTo(hub.address());
    }

    @Test
    void fatalNack_fromHub_isRetriedNeverDroppedAndReportedUnhealthy() {
        List<RecordId> ids = append("a", 5);
        AtomicInteger seen = new AtomicInteger();
        AtomicInteger phase = new AtomicInteger();
        hub.policy(batch -> {
            seen.incrementAndGet();
            return phase.get() == 0 ? new FakeHub.Refuse(NackReason.NACK_REASON_UNKNOWN_STREAM, false) : FakeHub.ACK;
        });

        start(hub.address(), config());

        await().atMost(WAIT).until(() -> seen.get() >= 2 && !forwarder.status().healthy());
        assertThat(forwarder.status().lanesRefused()).containsExactly("a");
        assertThat(buffer.releasedPosition("a")).isEqualTo(LanePosition.BEFORE_FIRST);
        phase.set(1); // the operator creates the stream
        await().atMost(WAIT).until(() -> hub.recordCount() == 5);
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(ids);
        await().atMost(WAIT).until(() -> forwarder.status().healthy());
    }

    @Test
    void writeFailure_frameOverTheLimitOnAnOpenConnection_laneRefusedRetriedNeverDroppedOthersFlow() {
        // A record that makes its batch's frame larger than the connection's frame limit: the encoder fails the
        // write while the connection stays open. It must not sit in flight forever behind a healthy status.
        byte[] noise = new byte[8 * 1024];
        new java.util.Random(7).nextBytes(noise); // incompressible
        RecordId big = buffer.append(PendingRecord.of(
                        "a",
                        Record.newBuilder()
                                .setDeviceGroup("a")
                                .setDeviceId("dev")
                                .setContentType(ContentType.CONTENT_TYPE_RAW)
                                .setPayload(ByteString.copyFrom(noise))
                                .build()))
                .orTimeout(10, TimeUnit.SECONDS)
                .join()
                .id();
        List<RecordId> small = append("b", 20);

        start(hub.address(), config(), 4 * 1024);

        await().atMost(WAIT).until(() -> idsOfLane(hub.records(), "b").size() == 20);
        await().atMost(WAIT).until(() -> !forwarder.status().healthy());
        assertThat(forwarder.status().lanesRefused()).containsExactly("a");
        assertThat(forwarder.status().lastError()).contains("exceeds the limit");
        assertThat(idsOfLane(hub.records(), "b")).containsExactlyElementsOf(small);
        // retried (every backoff.max), never dropped, never released
        await().atMost(WAIT)
                .until(() ->
                        registry.get("tributary.edge.forward.errors").counter().count() >= 2);
        assertThat(idsOfLane(hub.records(), "a")).isEmpty();
        assertThat(buffer.releasedPosition("a")).isEqualTo(LanePosition.BEFORE_FIRST);
        assertThat(buffer.read("a", LanePosition.BEFORE_FIRST, 10, Integer.MAX_VALUE))
                .extracting(r -> r.record().getId())
                .containsExactly(big);
        assertThat(forwarder.status().state()).isEqualTo(LinkState.UP);
        assertThat(registry.get("tributary.edge.forward.write.failures")
                        .tag("kind", "refused")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(2);
        assertThat(registry.get("tributary.edge.forward.reconnects").counter().count())
                .as("the connection was fine: kept")
                .isZero();
    }

    @Test
    void forward_recordsOfTwoEpochs_sendsOneEpochPerBatchWithOriginalIds() {
        List<RecordId> old = append("a", 30);
        buffer.close();
        buffer = openBuffer();
        List<RecordId> fresh = append("a", 30);
        assertThat(fresh.get(0).getAgentEpoch()).isGreaterThan(old.get(0).getAgentEpoch());

        start(hub.address(), config());

        await().atMost(WAIT).until(() -> hub.recordCount() == 60);
        List<RecordId> all = new ArrayList<>(old);
        all.addAll(fresh);
        assertThat(idsOfLane(hub.records(), "a")).containsExactlyElementsOf(all);
        for (Batch b : hub.batches()) {
            assertThat(b.getAgentEpoch())
                    .isIn(old.get(0).getAgentEpoch(), fresh.get(0).getAgentEpoch());
        }
    }

    @Test
    void fairness_bigBacklogInOneLane_doesNotStarveAnotherLane() {
        append("backlog", 2000);
        append("live", 20);
        hub.policy(batch -> new FakeHub.Ack(20));

        start(
                hub.address(),
                config().withBatching(20, 1 << 20, Duration.ofMillis(5)).withInFlight(4, 1));

        await().atMost(WAIT).until(() -> idsOfLane(hub.records(), "live").size() == 20);
        assertThat(idsOfLane(hub.records(), "backlog").size()).isLessThan(2000);
        await().atMost(WAIT).until(() -> hub.recordCount() == 2020);
    }
}
