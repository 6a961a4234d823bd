package io.tributary.sim.ack;

import java.util.Arrays;

/**
 * The outcome of every publish of one device, indexed by its sequence (gap-free from 0).
 *
 * <p>Threads: {@link #register} is called by the one thread that publishes for the device; outcomes are set from
 * client callback threads; readers may call any method concurrently. All methods synchronize on this object.
 */
public final class DeviceLedger {

    private final String deviceId;
    private byte[] outcomes = new byte[16];
    private long sent;
    private final long[] counts = new long[AckOutcome.VALUES.length];

    DeviceLedger(String deviceId) {
        this.deviceId = deviceId;
    }

    public String deviceId() {
        return deviceId;
    }

    /** Assigns the next sequence and records it as pending (or as needing no acknowledgement). */
    synchronized long register(boolean needsAck) {
        long seq = sent;
        if (seq >= Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("device " + deviceId + " exceeded the ledger's sequence range");
        }
        if (seq == outcomes.length) {
            outcomes = Arrays.copyOf(outcomes, outcomes.length * 2);
        }
        AckOutcome outcome = needsAck ? AckOutcome.PENDING : AckOutcome.NO_ACK_EXPECTED;
        outcomes[(int) seq] = (byte) outcome.ordinal();
        counts[outcome.ordinal()]++;
        sent++;
        return seq;
    }

    /** Moves a pending sequence to {@code outcome}; returns false (and changes nothing) if it was not pending. */
    synchronized boolean complete(long seq, AckOutcome outcome) {
        if (seq < 0 || seq >= sent || outcomes[(int) seq] != AckOutcome.PENDING.ordinal()) {
            return false;
        }
        outcomes[(int) seq] = (byte) outcome.ordinal();
        counts[AckOutcome.PENDING.ordinal()]--;
        counts[outcome.ordinal()]++;
        return true;
    }

    /** Number of publishes registered so far; their sequences are {@code 0..sent()-1}. */
    public synchronized long sent() {
        return sent;
    }

    /** Outcome of {@code seq}; throws for a sequence never registered. */
    public synchronized AckOutcome outcome(long seq) {
        if (seq < 0 || seq >= sent) {
            throw new IllegalArgumentException(deviceId + ": sequence " + seq + " was never sent");
        }
        return AckOutcome.VALUES[outcomes[(int) seq]];
    }

    /** How many of this device's publishes currently have {@code outcome}. */
    public synchronized long count(AckOutcome outcome) {
        return counts[outcome.ordinal()];
    }
}
