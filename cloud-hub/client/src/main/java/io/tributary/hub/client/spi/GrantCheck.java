package io.tributary.hub.client.spi;

import io.tributary.hub.client.internal.HubConnection;

/**
 * A {@link HubSession}'s check of a Welcome's epoch grant ({@link HubSessionBuilder#epochGrant}): the Welcome's
 * {@code granted_epoch} must be non-zero and, when one is held, the same; a first grant is handed to {@link
 * EpochGrant#hold} before the connection counts as connected. A missing or different grant is a failed attempt.
 *
 * <p>Thread rules: called on the session's <em>session thread</em>, with no state of its own.
 */
final class GrantCheck {
    private GrantCheck() {}

    /** Checks the Welcome's grant and has the owner hold a first one; the problem, or null when all is well. */
    static String holdGrant(EpochGrant grant, HubConnection c, String name) {
        if (grant == null) {
            return null;
        }
        long granted = c.grantedEpoch();
        long held = grant.held();
        if (granted == 0 || (held != 0 && granted != held)) {
            return "hub " + c.endpoint() + " answered epoch grant " + Long.toHexString(granted) + " to " + name
                    + " holding " + Long.toHexString(held) + " (is the hub older than this client?)";
        }
        if (held == 0) {
            try {
                grant.hold(granted);
            } catch (RuntimeException e) {
                return "cannot hold the epoch grant " + Long.toHexString(granted) + ": " + e;
            }
        }
        return null;
    }
}
