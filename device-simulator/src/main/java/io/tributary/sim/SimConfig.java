package io.tributary.sim;

import io.tributary.sim.load.RateProfile;
import io.tributary.sim.payload.PayloadCodec;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of one simulator run. Build with {@link #builder(String, int)}; the constructor validates and
 * reports every problem at once.
 *
 * @param duration how long the load phase lasts; {@link Duration#ZERO} for "until {@code count}"
 * @param count total publishes after which the load phase ends; 0 for "until {@code duration}"
 * @param churnFraction share of devices taken offline every {@code churnEvery}; 0 disables churn
 * @param offlineFor how long a churned device stays offline before it reconnects
 * @param sessionExpiry MQTT 5 session expiry of persistent sessions (3.1.1: the broker decides)
 * @param localAddresses source addresses the devices' connections are spread over; empty lets the OS choose
 * @param ioThreads Netty threads shared by all clients; 0 for the HiveMQ client's default
 * @param maxInflight publishes waiting for an acknowledgement, all devices together, above which pacing waits
 * @param connectConcurrency connection attempts in progress at once
 * @param drainTimeout how long to wait for outstanding acknowledgements after the load phase
 */
public record SimConfig(
        String host,
        int port,
        int devices,
        int groups,
        RateProfile profile,
        Duration duration,
        long count,
        int qos,
        int mqttVersion,
        PayloadCodec codec,
        double skew,
        double churnFraction,
        Duration churnEvery,
        Duration offlineFor,
        boolean persistentSessions,
        Duration sessionExpiry,
        Optional<String> username,
        Optional<String> password,
        String clientIdPrefix,
        List<InetAddress> localAddresses,
        int ioThreads,
        int maxInflight,
        int connectConcurrency,
        Duration drainTimeout,
        long seed) {

    public SimConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(churnEvery, "churnEvery");
        Objects.requireNonNull(offlineFor, "offlineFor");
        Objects.requireNonNull(sessionExpiry, "sessionExpiry");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
        localAddresses = List.copyOf(localAddresses);
        List<String> errors = new ArrayList<>();
        if (port < 1 || port > 65535) errors.add("port must be 1..65535: " + port);
        if (devices < 1) errors.add("devices must be >= 1: " + devices);
        if (groups < 1 || groups > devices) errors.add("groups must be 1..devices: " + groups);
        if (duration.isNegative()) errors.add("duration must not be negative");
        if (count < 0) errors.add("count must not be negative");
        if (duration.isZero() && count == 0) errors.add("set a duration, a count, or both (every run is bounded)");
        if (qos < 0 || qos > 2) errors.add("qos must be 0, 1 or 2: " + qos);
        if (mqttVersion != 3 && mqttVersion != 5) errors.add("mqtt version must be 3 (3.1.1) or 5: " + mqttVersion);
        if (!(skew >= 0) || Double.isInfinite(skew)) errors.add("skew must be a finite number >= 0");
        if (!(churnFraction >= 0 && churnFraction <= 1)) errors.add("churn fraction must be in [0, 1]");
        if (churnFraction > 0 && (churnEvery.isZero() || churnEvery.isNegative())) {
            errors.add("churn needs a positive interval");
        }
        if (offlineFor.isNegative()) errors.add("offline time must not be negative");
        if (password.isPresent() && username.isEmpty()) errors.add("a password needs a username");
        if (ioThreads < 0) errors.add("io threads must not be negative");
        if (maxInflight < 1) errors.add("max in-flight must be >= 1");
        if (connectConcurrency < 1) errors.add("connect concurrency must be >= 1");
        if (drainTimeout.isNegative()) errors.add("drain timeout must not be negative");
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid simulator settings: " + String.join("; ", errors));
        }
    }

    /** Whether publishes of this run wait for an acknowledgement. */
    public boolean needsAck() {
        return qos > 0;
    }

    /** A builder with the defaults documented in {@link SimConfigBuilder}. */
    public static SimConfigBuilder builder(String host, int port) {
        return new SimConfigBuilder(host, port);
    }
}
