package io.tributary.sim.verify;

import io.tributary.sim.ack.AckLedger;
import io.tributary.sim.ack.AckOutcome;
import io.tributary.sim.ack.DeviceLedger;
import io.tributary.sim.ack.LatencySummary;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Checks observed records against the {@link AckLedger}: lost (acknowledged, never observed), duplicated, out of
 * per-device order, unexpected, and the end-to-end latency of first observations. Feed it with {@link #observe}
 * (or {@link #drain} from a {@link RecordSource}), then call {@link #report}.
 *
 * <p>Threads: confined to one thread; the ledger it reads may still be written concurrently, but a final report
 * should be taken after the simulator stopped.
 */
public final class Verifier {

    private static final class DeviceState {
        final BitSet seen = new BitSet();
        long maxSeq = -1;
        long duplicated;
        long outOfOrder;
    }

    private final AckLedger ledger;
    private final Map<String, DeviceState> states = new HashMap<>();
    private final Histogram endToEnd = new Histogram(3_600_000_000L, 3);
    private long observed;
    private long unexpected;
    private long unparseable;

    public Verifier(AckLedger ledger) {
        this.ledger = ledger;
    }

    /** Counts one record. */
    public void observe(ObservedRecord r) {
        observed++;
        DeviceLedger device = ledger.device(r.deviceId()).orElse(null);
        if (device == null || r.seq() < 0 || r.seq() >= device.sent()) {
            unexpected++;
            return;
        }
        DeviceState s = states.computeIfAbsent(r.deviceId(), k -> new DeviceState());
        int seq = (int) r.seq();
        if (s.seen.get(seq)) {
            s.duplicated++;
            return;
        }
        s.seen.set(seq);
        if (seq < s.maxSeq) {
            s.outOfOrder++;
        }
        s.maxSeq = Math.max(s.maxSeq, seq);
        long latency = r.observeTimeMicros() - r.sendTimeMicros();
        endToEnd.recordValue(Math.max(0, Math.min(latency, endToEnd.getHighestTrackableValue())));
    }

    /** Counts payloads a source could not parse (they fail nothing, but are shown). */
    public void unparseable(long count) {
        unparseable += count;
    }

    /** True once every acknowledged publish has been observed. */
    public boolean allAckedObserved() {
        for (int i = 0; i < ledger.deviceCount(); i++) {
            DeviceLedger d = ledger.device(i);
            if (d.count(AckOutcome.ACKED) > 0 && countLost(d, null) > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Polls {@code source} until every acknowledged publish was observed or {@code timeout} passed.
     *
     * @return true when everything acknowledged arrived in time
     */
    public boolean drain(RecordSource source, Duration timeout, Clock clock) throws Exception {
        long deadline = clock.millis() + timeout.toMillis();
        while (true) {
            source.poll(Duration.ofMillis(100), this::observe);
            if (allAckedObserved()) {
                return true;
            }
            if (clock.millis() >= deadline) {
                return false;
            }
        }
    }

    /** The verdict over everything observed so far. */
    public VerifyReport report() {
        List<DeviceReport> devices = new ArrayList<>(ledger.deviceCount());
        for (int i = 0; i < ledger.deviceCount(); i++) {
            DeviceLedger d = ledger.device(i);
            DeviceState s = states.getOrDefault(d.deviceId(), new DeviceState());
            List<Long> firstLost = new ArrayList<>();
            long lost = countLost(d, firstLost);
            devices.add(new DeviceReport(
                    d.deviceId(),
                    d.sent(),
                    d.count(AckOutcome.ACKED),
                    s.seen.cardinality(),
                    lost,
                    s.duplicated,
                    s.outOfOrder,
                    d.count(AckOutcome.REFUSED),
                    d.count(AckOutcome.FAILED),
                    d.count(AckOutcome.PENDING),
                    firstLost));
        }
        return new VerifyReport(devices, observed, unexpected, unparseable, LatencySummary.ofMicros(endToEnd));
    }

    private long countLost(DeviceLedger d, List<Long> firstLost) {
        DeviceState s = states.get(d.deviceId());
        long lost = 0;
        long sent = d.sent();
        for (long seq = 0; seq < sent; seq++) {
            if (d.outcome(seq) == AckOutcome.ACKED && (s == null || !s.seen.get((int) seq))) {
                lost++;
                if (firstLost == null) {
                    return lost;
                }
                if (firstLost.size() < 10) {
                    firstLost.add(seq);
                }
            }
        }
        return lost;
    }
}
