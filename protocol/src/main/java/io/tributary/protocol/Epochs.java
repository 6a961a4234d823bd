package io.tributary.protocol;

/**
 * The shape of the epochs hubs grant to agents and producers (see docs/protocol.md, "Epoch grants and fencing"): a
 * grant is a positive multiple of {@link #UNIT}, and its holder stamps records with epochs in {@code [grant, grant +
 * UNIT)}. An epoch below {@link #UNIT} was stamped before its holder had any grant. Stateless.
 */
public final class Epochs {
    /** 2^32: every grant is a multiple of it. */
    public static final long UNIT = 1L << 32;

    private Epochs() {}

    /** Whether {@code value} is a grant: positive and a multiple of {@link #UNIT}. */
    public static boolean isGrant(long value) {
        return value > 0 && value % UNIT == 0;
    }

    /** Whether {@code epoch} lies within the grant {@code grant}. */
    public static boolean covers(long grant, long epoch) {
        return grant != 0 && Long.compareUnsigned(epoch - grant, UNIT) < 0;
    }
}
