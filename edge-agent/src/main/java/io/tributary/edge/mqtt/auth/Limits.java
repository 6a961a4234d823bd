package io.tributary.edge.mqtt.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Limits of the MQTT listener ({@code mqtt.limits.*}); 0 means unlimited where it says so.
 *
 * @param connections connections at most, all identities together (counted from an accepted CONNECT)
 * @param connectionsPerIdentity connections of one identity at most (0 unlimited; anonymous ones are not counted
 *     per identity); a reconnect with the client id of a connection it takes over does not count twice
 * @param publishRate PUBLISH packets per second one connection may send on average (0 unlimited)
 * @param publishBurst PUBLISH packets one connection may send at once before the rate applies
 * @param subscriptionsPerClient subscriptions one session may hold
 */
public record Limits(
        int connections, int connectionsPerIdentity, double publishRate, int publishBurst, int subscriptionsPerClient) {

    /** The defaults of {@code docs/configuration.md}. */
    public static final Limits DEFAULTS = new Limits(20_000, 0, 0, 100, 1000);

    public Limits {
        List<String> errors = new ArrayList<>();
        if (connections < 1) errors.add("connections must be >= 1: " + connections);
        if (connectionsPerIdentity < 0) errors.add("connections per identity must be >= 0: " + connectionsPerIdentity);
        if (publishRate < 0 || Double.isNaN(publishRate)) errors.add("publish rate must be >= 0: " + publishRate);
        if (publishBurst < 1) errors.add("publish burst must be >= 1: " + publishBurst);
        if (subscriptionsPerClient < 1) errors.add("subscriptions per client must be >= 1: " + subscriptionsPerClient);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
    }
}
