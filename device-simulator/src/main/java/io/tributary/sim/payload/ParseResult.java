package io.tributary.sim.payload;

import java.util.Objects;
import java.util.Optional;

/**
 * Outcome of {@link PayloadCodec#parse}: either the identity carried by the payload, or a human-readable reason
 * why none could be read. Parsing never throws on bad input; it returns a failure instead. Immutable.
 */
public final class ParseResult {

    private final MessageIdentity identity;
    private final String error;

    private ParseResult(MessageIdentity identity, String error) {
        this.identity = identity;
        this.error = error;
    }

    static ParseResult ok(MessageIdentity identity) {
        return new ParseResult(Objects.requireNonNull(identity, "identity"), "");
    }

    static ParseResult failure(String error) {
        return new ParseResult(null, Objects.requireNonNull(error, "error"));
    }

    /** True when {@link #identity()} is present. */
    public boolean isOk() {
        return identity != null;
    }

    /** The identity, empty on failure. */
    public Optional<MessageIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    /** Why parsing failed; empty string on success. */
    public String error() {
        return error;
    }

    @Override
    public String toString() {
        return isOk() ? "ok(" + identity + ")" : "failure(" + error + ")";
    }
}
