package io.tributary.hub.client.core;

/**
 * The hub fenced this producer or agent: a newer instance with the same id holds a newer epoch grant. Not retriable —
 * this instance must stop; whatever it had not had acknowledged is not in the hub.
 */
public final class FencedException extends HubClientException {
    private static final long serialVersionUID = 1L;

    public FencedException(String message) {
        super(message, false);
    }
}
