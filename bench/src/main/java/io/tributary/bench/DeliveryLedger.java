package io.tributary.bench;

import io.netty.buffer.ByteBuf;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What each subscriber received of the C generator's tagged publishes ({@code LG_SEQ=1}: each payload starts with
 * {@code c<connection>:<sequence>;}): a bit per sequence, per subscriber and publishing connection, and the copies of a
 * sequence already seen. With the generator's PUBACK ledger (at QoS 1 a connection's acknowledged publishes are its
 * sequences {@code 0..n-1}) it tells which acknowledged publishes some subscriber never got. Confined to the
 * subscribers' event loop ({@link Subscribers#onLoop}). Latency probes ({@link LatencyProbe}) are timed, not counted.
 */
final class DeliveryLedger implements Subscribers.Sink {
    private final BitSet[][] seen;
    private final Histogram latencyMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private long received;
    private long duplicates;
    private long untagged;

    DeliveryLedger(int subscribers, int publishers) {
        seen = new BitSet[subscribers][publishers];
        for (BitSet[] row : seen) {
            for (int c = 0; c < publishers; c++) {
                row[c] = new BitSet();
            }
        }
    }

    @Override
    public boolean publish(
            int subscriber, boolean retain, ByteBuf in, int topic, int topicLength, int payload, int end) {
        if (payload < end && in.getByte(payload) == LatencyProbe.MARK) {
            probe(in, payload + 1, end);
            return false;
        }
        received++;
        long conn = payload < end && in.getByte(payload) == 'c' ? digits(in, payload + 1, end, ':') : -1;
        long seq = conn < 0 ? -1 : digits(in, payload + 2 + (int) (conn >>> 32), end, ';');
        if (seq < 0 || (int) conn >= seen[subscriber].length) {
            untagged++;
            return true;
        }
        BitSet bits = seen[subscriber][(int) conn];
        int s = (int) seq;
        if (bits.get(s)) {
            duplicates++;
        } else {
            bits.set(s);
        }
        return true;
    }

    /** Records the time a probe took: its payload holds the sender's {@code System.nanoTime()} up to a ';'. */
    private void probe(ByteBuf in, int from, int end) {
        long now = System.nanoTime();
        long sentAt = 0;
        boolean negative = from < end && in.getByte(from) == '-';
        for (int i = negative ? from + 1 : from; i < end && i - from <= 20; i++) {
            byte b = in.getByte(i);
            if (b == ';') {
                long micros = (now - (negative ? -sentAt : sentAt)) / 1000;
                latencyMicros.recordValue(Math.max(0, Math.min(micros, latencyMicros.getHighestTrackableValue())));
                return;
            }
            if (b < '0' || b > '9') {
                break;
            }
            sentAt = sentAt * 10 + (b - '0');
        }
        untagged++;
    }

    /**
     * The decimal number from {@code from} up to {@code stop}, in the low 32 bits, with the digits read in the high
     * ones; -1 when there are none, more than 9, or no {@code stop} before {@code end}.
     */
    private static long digits(ByteBuf in, int from, int end, char stop) {
        long value = 0;
        for (int i = from; i < end && i - from <= 9; i++) {
            byte b = in.getByte(i);
            if (b == stop) {
                return i == from ? -1 : ((long) (i - from) << 32) | value;
            }
            if (b < '0' || b > '9') {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return -1;
    }

    /** PUBLISH packets received, tagged or not, copies included. */
    long received() {
        return received;
    }

    /** Publishes received again by a subscriber that already had them. */
    long duplicates() {
        return duplicates;
    }

    /** PUBLISH packets without a tag this ledger could read. */
    long untagged() {
        return untagged;
    }

    /** Latency probes received ({@link LatencyProbe}), each subscriber's copy one. */
    long probes() {
        return latencyMicros.getTotalCount();
    }

    /** The probes' end-to-end latency at {@code percentile} (100: the largest), in ms; NaN without probes. */
    double latencyMs(double percentile) {
        return probes() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    /** Distinct publishes received, all subscribers together. */
    long distinct() {
        long n = 0;
        for (BitSet[] row : seen) {
            for (BitSet b : row) {
                n += b.cardinality();
            }
        }
        return n;
    }

    /** Acknowledged publishes (sequences {@code 0..acked[c]-1} of connection c) some subscriber did not receive. */
    long missing(long[] acked) {
        long n = 0;
        for (BitSet[] row : seen) {
            for (int c = 0; c < row.length && c < acked.length; c++) {
                n += acked[c] - row[c].get(0, (int) acked[c]).cardinality();
            }
        }
        return n;
    }
}
