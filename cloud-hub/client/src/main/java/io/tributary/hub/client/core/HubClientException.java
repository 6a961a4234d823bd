package io.tributary.hub.client.core;

/** A hub refused a request or could not be reached. {@link #retriable()} says whether trying again may help. */
public class HubClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retriable;

    public HubClientException(String message, boolean retriable) {
        super(message);
        this.retriable = retriable;
    }

    public HubClientException(String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
    }

    public boolean retriable() {
        return retriable;
    }
}
