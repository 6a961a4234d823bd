package io.tributary.edge.forward;

/** The forwarder's link to the hub, as the {@code tributary.edge.forward.link.state} gauge reports it. */
public enum LinkState {
    /** No connection and none being made: waiting out a backoff. */
    DOWN(0),
    /** A connection attempt is under way. */
    CONNECTING(1),
    /** Connected (after Welcome): batches flow. */
    UP(2),
    /**
     * The hub fenced this agent: another agent with the same id holds a newer epoch grant. Nothing is sent any more;
     * what this agent acknowledged stays in its buffer. Ends only with a restart (after fixing the duplicate id).
     */
    FENCED(-1);

    private final int gaugeValue;

    LinkState(int gaugeValue) {
        this.gaugeValue = gaugeValue;
    }

    /** The value the gauge shows. */
    public int gaugeValue() {
        return gaugeValue;
    }
}
