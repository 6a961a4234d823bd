package io.tributary.sim;

import io.tributary.sim.ack.AckLedger;
import io.tributary.sim.ack.AckOutcome;
import io.tributary.sim.ack.LatencySummary;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of {@link Simulator#run()}. Immutable apart from the ledger, which nobody writes after the run.
 *
 * @param loadNanos length of the load phase
 * @param skipped tokens spent without a publish because the chosen group had no connected device
 * @param ackLatency PUBACK/PUBCOMP latency over the whole run
 * @param series one sample per second
 * @param abortReason why the run stopped early (e.g. nobody could connect); empty for a normal end
 */
public record SimResult(
        SimConfig config,
        long startedMs,
        long endedMs,
        long loadNanos,
        AckLedger ledger,
        long published,
        long skipped,
        long connects,
        long connectFailures,
        long unexpectedDisconnects,
        LatencySummary ackLatency,
        List<SecondSample> series,
        Optional<String> abortReason) {

    public long acked() {
        return ledger.total(AckOutcome.ACKED);
    }

    public long refused() {
        return ledger.total(AckOutcome.REFUSED);
    }

    public long failed() {
        return ledger.total(AckOutcome.FAILED);
    }

    public long unacknowledged() {
        return ledger.total(AckOutcome.PENDING);
    }

    /** Mean publish rate over the load phase, messages per second. */
    public double publishRate() {
        return loadNanos <= 0 ? 0 : published * 1e9 / loadNanos;
    }

    /**
     * True when the run was not aborted, published something, and every publish that needed an acknowledgement
     * got a success acknowledgement (nothing refused, failed or left unacknowledged).
     */
    public boolean allAcknowledged() {
        return abortReason.isEmpty()
                && published > 0
                && (!config.needsAck() || (refused() == 0 && failed() == 0 && unacknowledged() == 0));
    }
}
