package io.tributary.edge.aggregate;

import java.util.Optional;

/**
 * Names of the buffer lanes aggregation uses, derived from a base lane (the device group, or {@code group/device}):
 *
 * <ul>
 *   <li>{@code <base>#<window>ms#raw}: raw records waiting to be aggregated with that window. LOCAL: never forwarded
 *       ({@link #isLocal}); the window is part of the name so that a record is aggregated with the window it was
 *       stored for even if the rules change before it is, and so that each lane has one window size (the aggregator's
 *       "aggregated up to" marker is a prefix of one lane, see {@link WindowAggregator}).
 *   <li>{@code <base>#agg}: the aggregates, forwarded like any other lane.
 * </ul>
 *
 * MQTT topic names cannot contain {@code #}, so these never collide with a group name. Stateless.
 */
public final class AggregationLanes {

    /** Lanes ending with this hold raw records for aggregation and stay on the edge. */
    public static final String RAW_SUFFIX = "#raw";

    /** Lanes ending with this hold aggregates. */
    public static final String AGGREGATE_SUFFIX = "#agg";

    /** A parsed raw lane: the base lane and the window its records are aggregated with. */
    public record RawLane(String base, long windowMs) {}

    private AggregationLanes() {}

    public static String raw(String base, long windowMs) {
        return base + "#" + windowMs + "ms" + RAW_SUFFIX;
    }

    public static String aggregates(String base) {
        return base + AGGREGATE_SUFFIX;
    }

    /** True for lanes the forwarder must not send. */
    public static boolean isLocal(String lane) {
        return lane.endsWith(RAW_SUFFIX);
    }

    /** The base and window of a raw lane; empty for any other lane. */
    public static Optional<RawLane> parseRaw(String lane) {
        if (!isLocal(lane)) {
            return Optional.empty();
        }
        String rest = lane.substring(0, lane.length() - RAW_SUFFIX.length());
        int hash = rest.lastIndexOf('#');
        if (hash < 0 || !rest.endsWith("ms")) {
            return Optional.empty();
        }
        try {
            long windowMs = Long.parseLong(rest.substring(hash + 1, rest.length() - 2));
            return windowMs < 1 ? Optional.empty() : Optional.of(new RawLane(rest.substring(0, hash), windowMs));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
