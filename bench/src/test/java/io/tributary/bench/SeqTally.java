package io.tributary.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What reached the hub of the C load generator's tagged publishes ({@code LG_SEQ=1}: each payload starts with {@code
 * c<connection>:<sequence>;}), per device: which sequences were seen, how often, and in which order. Compact (a bit
 * per sequence) so that hundreds of kill cycles fit in a test JVM. Not thread-safe.
 */
final class SeqTally {
    private final Map<String, Device> devices = new HashMap<>();
    private long records;
    private long duplicates;
    private long outOfOrder;
    private long untagged;
    private final List<String> firstProblems = new ArrayList<>();

    private static final class Device {
        final BitSet seen = new BitSet();
        long last = -1;
    }

    /** Counts one stored record of {@code device} with {@code payload}. */
    void add(String device, String payload) {
        records++;
        long seq = seqOf(payload);
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            untagged++;
            problem("untagged payload of " + device + ": " + payload.substring(0, Math.min(40, payload.length())));
            return;
        }
        Device d = devices.computeIfAbsent(device, k -> new Device());
        if (d.seen.get((int) seq)) {
            duplicates++;
            problem(device + " #" + seq + " stored twice");
        } else {
            d.seen.set((int) seq);
        }
        if (seq <= d.last) {
            outOfOrder++;
            problem(device + " #" + seq + " after #" + d.last);
        }
        d.last = Math.max(d.last, seq);
    }

    /** Acknowledged sequences {@code 0..acked-1} of {@code device} not seen (yet). */
    long missing(String device, long acked) {
        Device d = devices.get(device);
        int seen = d == null ? 0 : d.seen.get(0, (int) acked).cardinality();
        return acked - seen;
    }

    /** Sum of {@link #missing} over a ledger of acknowledged counts per device. */
    long missing(Map<String, Long> acked) {
        long n = 0;
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            n += missing(e.getKey(), e.getValue());
        }
        return n;
    }

    /** Up to {@code max} devices with acknowledged sequences not seen, as {@code device: seen/acked}. */
    List<String> shortDevices(Map<String, Long> acked, int max) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            long missing = missing(e.getKey(), e.getValue());
            if (missing > 0 && out.size() < max) {
                out.add(e.getKey() + ": " + (e.getValue() - missing) + "/" + e.getValue());
            }
        }
        return out;
    }

    long records() {
        return records;
    }

    long duplicates() {
        return duplicates;
    }

    long outOfOrder() {
        return outOfOrder;
    }

    long untagged() {
        return untagged;
    }

    List<String> firstProblems() {
        return List.copyOf(firstProblems);
    }

    private void problem(String what) {
        if (firstProblems.size() < 20) {
            firstProblems.add(what);
        }
    }

    /** The sequence of a tagged payload ({@code c<conn>:<seq>;...}), or -1. */
    static long seqOf(String payload) {
        int colon = payload.indexOf(':');
        int semi = payload.indexOf(';');
        if (!payload.startsWith("c") || colon < 0 || semi < colon + 2) {
            return -1;
        }
        try {
            return Long.parseLong(payload, colon + 1, semi, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
