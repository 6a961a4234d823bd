package io.tributary.sim.ack;

import io.tributary.sim.payload.MessageIdentity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per device, which sequences the edge acknowledged, refused (with the MQTT 5 reason code), failed, or left
 * unacknowledged. The simulator writes it; the verifier reads it to know what the edge promised.
 *
 * <p>Threads: safe for concurrent use; see {@link DeviceLedger} for the per-device rules.
 */
public final class AckLedger {

    private final List<DeviceLedger> devices;
    private final Map<Integer, LongAdder> refusalsByReason = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failuresByCause = new ConcurrentHashMap<>();

    /** A ledger for devices {@code d-0 .. d-(deviceCount-1)}. */
    public AckLedger(int deviceCount) {
        List<DeviceLedger> list = new ArrayList<>(deviceCount);
        for (int i = 0; i < deviceCount; i++) {
            list.add(new DeviceLedger(MessageIdentity.deviceId(i)));
        }
        this.devices = Collections.unmodifiableList(list);
    }

    /** Assigns and returns device {@code index}'s next sequence. Called only by the device's publishing thread. */
    public long register(int index, boolean needsAck) {
        return devices.get(index).register(needsAck);
    }

    public void acked(int index, long seq) {
        devices.get(index).complete(seq, AckOutcome.ACKED);
    }

    /** An MQTT 5 negative acknowledgement with {@code reasonCode} (e.g. 0x97 quota exceeded). */
    public void refused(int index, long seq, int reasonCode) {
        if (devices.get(index).complete(seq, AckOutcome.REFUSED)) {
            refusalsByReason.computeIfAbsent(reasonCode, k -> new LongAdder()).increment();
        }
    }

    /** The client gave up on the publish; {@code cause} is a short label such as the exception's simple name. */
    public void failed(int index, long seq, String cause) {
        if (devices.get(index).complete(seq, AckOutcome.FAILED)) {
            failuresByCause.computeIfAbsent(cause, k -> new LongAdder()).increment();
        }
    }

    public int deviceCount() {
        return devices.size();
    }

    public DeviceLedger device(int index) {
        return devices.get(index);
    }

    /** The ledger of a device id such as {@code d-17}; empty for ids this run never had. */
    public Optional<DeviceLedger> device(String deviceId) {
        int index = MessageIdentity.deviceIndex(deviceId);
        return index >= 0 && index < devices.size() ? Optional.of(devices.get(index)) : Optional.empty();
    }

    /** Sum over all devices of publishes with {@code outcome}. */
    public long total(AckOutcome outcome) {
        long sum = 0;
        for (DeviceLedger d : devices) {
            sum += d.count(outcome);
        }
        return sum;
    }

    /** Total publishes registered. */
    public long totalSent() {
        long sum = 0;
        for (DeviceLedger d : devices) {
            sum += d.sent();
        }
        return sum;
    }

    /** Refusals by MQTT 5 reason code, sorted. */
    public Map<Integer, Long> refusalsByReason() {
        Map<Integer, Long> out = new TreeMap<>();
        refusalsByReason.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Client-side failures by cause, sorted. */
    public Map<String, Long> failuresByCause() {
        Map<String, Long> out = new TreeMap<>();
        failuresByCause.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
