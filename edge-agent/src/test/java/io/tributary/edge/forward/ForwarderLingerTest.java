package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.protocol.v1.Batch;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A partial batch lingers only while its lane waits for an ack: an idle lane sends at once, a busy one gathers what
 * arrives until the ack comes (or the linger ends). The linger here is far longer than the test's wait, so a record
 * that lingered would not arrive in time.
 */
class ForwarderLingerTest extends ForwarderFixture {

    private static final Duration LONG_LINGER = Duration.ofMinutes(5);

    private ForwarderConfig lingering() {
        return config().withBatching(50, 1 << 20, LONG_LINGER);
    }

    @Test
    void anIdleLane_sendsAPartialBatchAtOnce() {
        append("a", 3);

        start(hub.address(), lingering());

        await().atMost(WAIT).until(() -> hub.recordCount() == 3);
        assertThat(hub.batches()).hasSize(1);
    }

    @Test
    void aLaneWaitingForAnAck_gathersWhatArrives_untilTheAck() {
        CompletableFuture<Void> firstAck = new CompletableFuture<>();
        hub.policy(b -> b.getFirstSequence() == 1 && !firstAck.isDone() ? new FakeHub.AckWhen(firstAck) : FakeHub.ACK);
        start(hub.address(), lingering());
        append("a", 1);
        await().atMost(WAIT).until(() -> hub.recordCount() == 1);

        append("a", 4); // the first batch is still in flight: these linger
        await("nothing more sent while the first batch waits for its ack")
                .during(Duration.ofMillis(300))
                .atMost(WAIT)
                .until(() -> hub.recordCount() == 1);
        firstAck.complete(null);

        await().atMost(WAIT).until(() -> hub.recordCount() == 5);
        assertThat(hub.batches()).extracting(Batch::getRecordCount).containsExactly(1, 4);
    }
}
