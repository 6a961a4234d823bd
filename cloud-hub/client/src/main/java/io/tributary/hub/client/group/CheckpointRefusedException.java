package io.tributary.hub.client.group;

import io.tributary.hub.client.core.HubClientException;

/** The hub refused a checkpoint, typically because this member's lease token is stale. */
public final class CheckpointRefusedException extends HubClientException {
    private static final long serialVersionUID = 1L;

    public CheckpointRefusedException(String reason) {
        super("checkpoint refused: " + reason, false);
    }
}
