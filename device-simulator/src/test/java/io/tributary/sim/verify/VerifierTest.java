package io.tributary.sim.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.sim.ack.AckLedger;
import io.tributary.sim.ack.AckOutcome;
import io.tributary.sim.payload.PayloadCodec;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VerifierTest {

    /** Two devices, four QoS 1 publishes each, all acknowledged. */
    private static AckLedger ledgerAllAcked() {
        AckLedger ledger = new AckLedger(2);
        for (int d = 0; d < 2; d++) {
            for (int s = 0; s < 4; s++) {
                long seq = ledger.register(d, true);
                ledger.acked(d, seq);
            }
        }
        return ledger;
    }

    private static ObservedRecord rec(String dev, long seq, long sendMicros, long observeMicros) {
        return new ObservedRecord(dev, seq, sendMicros, observeMicros);
    }

    private static void observeInOrder(Verifier v, String dev, long... seqs) {
        for (long s : seqs) {
            v.observe(rec(dev, s, 1_000, 3_000));
        }
    }

    @Test
    void everyAckedObservedOnceInOrder_report_passes() {
        Verifier v = new Verifier(ledgerAllAcked());
        observeInOrder(v, "d-0", 0, 1, 2, 3);
        observeInOrder(v, "d-1", 0, 1, 2, 3);
        VerifyReport r = v.report();
        assertThat(r.passed()).isTrue();
        assertThat(r.acked()).isEqualTo(8);
        assertThat(r.failures()).isEmpty();
        assertThat(v.allAckedObserved()).isTrue();
    }

    @Test
    void ackedNeverObserved_report_lostAndFails() {
        Verifier v = new Verifier(ledgerAllAcked());
        observeInOrder(v, "d-0", 0, 2, 3);
        observeInOrder(v, "d-1", 0, 1, 2, 3);
        VerifyReport r = v.report();
        assertThat(r.lost()).isEqualTo(1);
        assertThat(r.devices().get(0).firstLost()).containsExactly(1L);
        assertThat(r.passed()).isFalse();
        assertThat(v.allAckedObserved()).isFalse();
    }

    @Test
    void sameSeqTwice_report_duplicatedAndFails() {
        Verifier v = new Verifier(ledgerAllAcked());
        observeInOrder(v, "d-0", 0, 1, 1, 2, 3, 3);
        observeInOrder(v, "d-1", 0, 1, 2, 3);
        VerifyReport r = v.report();
        assertThat(r.duplicated()).isEqualTo(2);
        assertThat(r.lost()).isZero();
        assertThat(r.outOfOrder()).isZero();
        assertThat(r.passed()).isFalse();
    }

    @Test
    void swappedSeqs_report_outOfOrderFailsRun() {
        Verifier v = new Verifier(ledgerAllAcked());
        observeInOrder(v, "d-0", 0, 2, 1, 3);
        observeInOrder(v, "d-1", 0, 1, 2, 3);
        VerifyReport r = v.report();
        assertThat(r.outOfOrder()).isEqualTo(1);
        assertThat(r.devices().get(0).outOfOrder()).isEqualTo(1);
        assertThat(r.devices().get(1).clean()).isTrue();
        assertThat(r.passed()).isFalse();
    }

    @Test
    void unknownDeviceOrSeq_report_unexpectedFails() {
        Verifier v = new Verifier(ledgerAllAcked());
        observeInOrder(v, "d-0", 0, 1, 2, 3, 4);
        observeInOrder(v, "d-1", 0, 1, 2, 3);
        v.observe(rec("d-9", 0, 0, 0));
        v.observe(rec("sensor", 0, 0, 0));
        VerifyReport r = v.report();
        assertThat(r.unexpected()).isEqualTo(3);
        assertThat(r.passed()).isFalse();
    }

    @Test
    void refusedFailedPending_report_countedButNotLost() {
        AckLedger ledger = new AckLedger(1);
        for (int i = 0; i < 4; i++) {
            ledger.register(0, true);
        }
        ledger.acked(0, 0);
        ledger.refused(0, 1, 0x97);
        ledger.failed(0, 2, "ConnectionClosedException");
        Verifier v = new Verifier(ledger);
        v.observe(rec("d-0", 0, 0, 10));
        VerifyReport r = v.report();
        assertThat(r.passed()).isTrue();
        assertThat(r.refused()).isEqualTo(1);
        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.unacknowledged()).isEqualTo(1);
        assertThat(ledger.refusalsByReason()).containsEntry(0x97, 1L);
        assertThat(ledger.device(0).outcome(3)).isEqualTo(AckOutcome.PENDING);
    }

    @Test
    void latencies_report_percentilesOfFirstObservations() {
        AckLedger ledger = new AckLedger(1);
        Verifier v = new Verifier(ledger);
        for (int i = 0; i < 100; i++) {
            ledger.acked(0, ledger.register(0, true));
            // i+1 ms end to end
            v.observe(rec("d-0", i, 1_000_000, 1_000_000 + (i + 1) * 1_000L));
        }
        v.observe(rec("d-0", 5, 0, 999_000_000)); // a duplicate must not count as a latency sample
        VerifyReport r = v.report();
        assertThat(r.endToEnd().count()).isEqualTo(100);
        assertThat(r.endToEnd().p50Ms()).isBetween(49.9, 50.1);
        assertThat(r.endToEnd().p99Ms()).isBetween(98.9, 99.1);
        assertThat(r.endToEnd().maxMs()).isBetween(99.9, 100.1);
    }

    @Test
    void queueSource_drain_stopsWhenAllAckedArrivedAndCountsGarbage() throws Exception {
        AckLedger ledger = new AckLedger(1);
        QueueRecordSource source = new QueueRecordSource();
        PayloadCodec codec = PayloadCodec.json();
        for (int i = 0; i < 3; i++) {
            long seq = ledger.register(0, true);
            ledger.acked(0, seq);
            source.offerPayload(codec.encode(0, seq, 5), 7);
        }
        source.offerPayload(new byte[] {1, 2, 3}, 7);
        Verifier v = new Verifier(ledger);
        assertThat(v.drain(source, Duration.ofSeconds(5), Clock.systemUTC())).isTrue();
        v.unparseable(source.unparseable());
        assertThat(v.report().passed()).isTrue();
        assertThat(v.report().unparseable()).isEqualTo(1);
    }
}
