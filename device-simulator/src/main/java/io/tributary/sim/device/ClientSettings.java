package io.tributary.sim.device;

import java.util.Objects;
import java.util.Optional;

/**
 * What every device connection of a run has in common. Immutable.
 *
 * @param mqttVersion 3 (3.1.1) or 5
 * @param persistent false for clean sessions
 * @param sessionExpirySeconds MQTT 5 session expiry of a persistent session
 */
public record ClientSettings(
        String host,
        int port,
        int mqttVersion,
        boolean persistent,
        long sessionExpirySeconds,
        Optional<String> username,
        Optional<String> password) {

    public ClientSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }
}
