package io.tributary.edge.forward;

/** The forwarder's link to the hub, as the {@code tributary.edge.forward.link.state} gauge reports it. */
public enum LinkState {
    /** No connection and none being made: waiting out a backoff. */
    DOWN(0),
    /** A connection attempt is under way. */
    CONNECTING(1),
    /** Connected (after Welcome): batches flow. */
    UP(2);

    private final int gaugeValue;

    LinkState(int gaugeValue) {
        this.gaugeValue = gaugeValue;
    }

    /** The value the gauge shows. */
    public int gaugeValue() {
        return gaugeValue;
    }
}
