package io.tributary.protocol;

import java.util.OptionalInt;

/**
 * Protocol versions this build speaks, and the negotiation rule used in {@code Hello}/{@code Welcome}: the client
 * offers an inclusive range, the server answers with the highest version both speak, or refuses.
 */
public final class ProtocolVersion {
    /** Oldest version this build still accepts. */
    public static final int MIN_SUPPORTED = 1;
    /** Version this build prefers. */
    public static final int CURRENT = 1;

    private ProtocolVersion() {}

    /**
     * Picks the version for a connection.
     *
     * @param peerMin lowest version the peer speaks
     * @param peerMax highest version the peer speaks (0 is read as {@code peerMin}, for peers that send one value)
     * @return the highest common version, or empty when the ranges do not overlap
     */
    public static OptionalInt negotiate(int peerMin, int peerMax) {
        int max = peerMax == 0 ? peerMin : peerMax;
        if (peerMin <= 0 || max < peerMin) {
            return OptionalInt.empty();
        }
        int chosen = Math.min(max, CURRENT);
        return chosen >= Math.max(peerMin, MIN_SUPPORTED) ? OptionalInt.of(chosen) : OptionalInt.empty();
    }
}
