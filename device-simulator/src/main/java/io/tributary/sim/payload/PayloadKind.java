package io.tributary.sim.payload;

/** The two payload shapes the simulator sends. */
public enum PayloadKind {
    /** A flat JSON object of numeric metrics plus the identity fields {@code dev}, {@code seq}, {@code ts}, {@code tus}. */
    JSON,
    /** A fixed binary header (see {@link RawPayload}) followed by filler bytes up to a chosen size. */
    RAW
}
