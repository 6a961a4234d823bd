package io.tributary.hub.client.spi;

import io.tributary.hub.client.internal.Connector;

/** Test access to what {@link HubSessionBuilder} keeps from the public: how connections are opened. */
public final class SessionHooks {
    private SessionHooks() {}

    /** Makes {@code builder} open its connections with {@code connector} (to stage races). */
    public static HubSessionBuilder connector(HubSessionBuilder builder, Connector connector) {
        return builder.connector(connector);
    }
}
