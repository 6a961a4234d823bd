package io.tributary.edge.mqtt;

import io.tributary.edge.mqtt.pubsub.TopicFilters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of the MQTT endpoint. Build with {@link #builder()}; {@link Builder#build()} validates and
 * reports every problem at once.
 *
 * @param host bind address of both listeners
 * @param port plain TCP port, 0 for an ephemeral port, -1 to disable the plain listener
 * @param tlsPort TLS port, 0 for an ephemeral port, -1 to disable (needs {@code tls})
 * @param tls server key store for the TLS listener
 * @param topicMapping how topics map to group/device/metric
 * @param allowAnonymous whether a CONNECT without user name is accepted
 * @param maxPacketSize largest accepted packet's remaining length in bytes; advertised to MQTT 5 clients
 * @param connectTimeout a connection that has not sent CONNECT by then is closed
 * @param maxClientIdLength longest client identifier accepted
 * @param receiveMaximum unacknowledged QoS 1/2 publishes per connection before reading pauses; advertised to
 *     MQTT 5 clients
 * @param topicAliasMaximum Topic Aliases an MQTT 5 client may set per connection (advertised in CONNACK; 0: none)
 * @param maxSessionExpiry upper bound of a session's expiry (MQTT 5 Session Expiry Interval); also the expiry of an
 *     MQTT 3.1.1 clean session 0
 * @param ioThreads event loop threads, 0 for Netty's default
 * @param forward topic filters of the publishes that go to the hub (they must match {@code topicMapping}); the
 *     others stay on the edge, for local subscribers only
 * @param subscriberQueue messages waiting for one subscriber before further ones are dropped (counted)
 * @param subscriberQueueBytes payload bytes waiting for one subscriber before further messages are dropped (counted);
 *     a larger message still goes through an empty queue
 * @param subscriberInFlight unacknowledged QoS 1/2 messages sent to one subscriber at most (MQTT 5 clients may ask
 *     for fewer with Receive Maximum)
 * @param subscriberWait longest a publisher's reads pause while a local subscriber's queue is past half full
 *     ({@link SubscriberWait}); zero: publishers never wait, what does not fit is dropped
 * @param stateDirectory where the local broker keeps its durable state (retained messages); empty keeps it in
 *     memory only, lost when the server stops
 * @param retainedCompactBytes size of the retained-message journal past which it is compacted (rewritten as one entry
 *     per live topic), if it is also twice the last snapshot
 * @param sessionLimits bounds of the persistent sessions and their queues (stored in {@code stateDirectory})
 */
public record MqttServerConfig(
        String host,
        int port,
        int tlsPort,
        Optional<TlsConfig> tls,
        TopicMapping topicMapping,
        boolean allowAnonymous,
        int maxPacketSize,
        Duration connectTimeout,
        int maxClientIdLength,
        int receiveMaximum,
        int topicAliasMaximum,
        Duration maxSessionExpiry,
        int ioThreads,
        List<String> forward,
        int subscriberQueue,
        long subscriberQueueBytes,
        int subscriberInFlight,
        Duration subscriberWait,
        Optional<Path> stateDirectory,
        long retainedCompactBytes,
        SessionLimits sessionLimits) {

    public MqttServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(topicMapping, "topicMapping");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(maxSessionExpiry, "maxSessionExpiry");
        Objects.requireNonNull(sessionLimits, "sessionLimits");
        Objects.requireNonNull(subscriberWait, "subscriberWait");
        forward = List.copyOf(forward);
        List<String> errors = new ArrayList<>();
        if (port < -1 || port > 65535) errors.add("port must be -1..65535: " + port);
        if (tlsPort < -1 || tlsPort > 65535) errors.add("tlsPort must be -1..65535: " + tlsPort);
        if (tlsPort >= 0 && tls.isEmpty()) errors.add("tlsPort is set but no TLS key store is configured");
        if (port < 0 && tlsPort < 0) errors.add("both listeners are disabled");
        if (maxPacketSize < 64 || maxPacketSize > 268_435_455) {
            errors.add("maxPacketSize must be 64..268435455: " + maxPacketSize);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) errors.add("connectTimeout must be positive");
        if (maxClientIdLength < 23) errors.add("maxClientIdLength must be >= 23 (MQTT minimum)");
        if (receiveMaximum < 1 || receiveMaximum > 65535) errors.add("receiveMaximum must be 1..65535");
        if (topicAliasMaximum < 0 || topicAliasMaximum > 65535) errors.add("topicAliasMaximum must be 0..65535");
        if (maxSessionExpiry.isNegative()) errors.add("maxSessionExpiry must not be negative");
        if (ioThreads < 0) errors.add("ioThreads must not be negative");
        for (String filter : forward) {
            try {
                if (TopicFilters.parse(filter).group() != null) {
                    errors.add("forward filter '" + filter + "' must not be a shared subscription");
                }
            } catch (IllegalArgumentException e) {
                errors.add("forward filter: " + e.getMessage());
            }
        }
        if (subscriberQueue < 1) errors.add("subscriberQueue must be >= 1");
        if (subscriberQueueBytes < 1) errors.add("subscriberQueueBytes must be >= 1");
        if (retainedCompactBytes < 1024) errors.add("retainedCompactBytes must be >= 1024");
        if (subscriberInFlight < 1 || subscriberInFlight > 65535) errors.add("subscriberInFlight must be 1..65535");
        if (subscriberWait.isNegative()) errors.add("subscriberWait must not be negative");
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid MQTT server config: " + String.join("; ", errors));
        }
    }

    /** Default of {@link #subscriberWait()}. */
    public static final Duration DEFAULT_SUBSCRIBER_WAIT = Duration.ofMillis(250);

    /** Whether a publish to {@code topic} goes to the hub (else it stays local). */
    public boolean forwarded(String topic) {
        for (String filter : forward) {
            if (TopicFilters.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder with the defaults documented on each setter; not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 1883;
        private int tlsPort = -1;
        private TlsConfig tls;
        private TopicMapping topicMapping = TopicMapping.defaultMapping();
        private boolean allowAnonymous;
        private int maxPacketSize = 256 * 1024;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxClientIdLength = 256;
        private int receiveMaximum = 1024;
        private int topicAliasMaximum = 10;
        private Duration maxSessionExpiry = Duration.ofDays(1);
        private int ioThreads;
        private List<String> forward = List.of("#");
        private int subscriberQueue = 1000;
        private long subscriberQueueBytes = 16L << 20;
        private int subscriberInFlight = 100;
        private Duration subscriberWait = DEFAULT_SUBSCRIBER_WAIT;
        private Path stateDirectory;
        private long retainedCompactBytes = 64L * 1024 * 1024;
        private SessionLimits sessionLimits = SessionLimits.DEFAULTS;

        private Builder() {}

        /** Default {@code ["#"]}: every topic goes to the hub (a topic starting with {@code $} stays local). */
        public Builder forward(List<String> forward) {
            this.forward = forward;
            return this;
        }

        /** Default 1000. */
        public Builder subscriberQueue(int subscriberQueue) {
            this.subscriberQueue = subscriberQueue;
            return this;
        }

        /** Default 16 MiB. */
        public Builder subscriberQueueBytes(long subscriberQueueBytes) {
            this.subscriberQueueBytes = subscriberQueueBytes;
            return this;
        }

        /** Default {@link #DEFAULT_SUBSCRIBER_WAIT}; zero turns the back-pressure off. */
        public Builder subscriberWait(Duration subscriberWait) {
            this.subscriberWait = subscriberWait;
            return this;
        }

        /** Default 100. */
        public Builder subscriberInFlight(int subscriberInFlight) {
            this.subscriberInFlight = subscriberInFlight;
            return this;
        }

        /** Default none: retained messages in memory only. The edge agent uses {@code <data-dir>/mqtt}. */
        public Builder stateDirectory(Path stateDirectory) {
            this.stateDirectory = stateDirectory;
            return this;
        }

        /** Default {@link SessionLimits#DEFAULTS}. */
        public Builder sessionLimits(SessionLimits sessionLimits) {
            this.sessionLimits = sessionLimits;
            return this;
        }

        /** Default 64 MiB. */
        public Builder retainedCompactBytes(long retainedCompactBytes) {
            this.retainedCompactBytes = retainedCompactBytes;
            return this;
        }

        /** Default {@code 127.0.0.1} (this machine only). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Default 1883. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Default -1 (disabled); usually 8883. */
        public Builder tls(int tlsPort, TlsConfig tls) {
            this.tlsPort = tlsPort;
            this.tls = tls;
            return this;
        }

        /** Default {@link TopicMapping#DEFAULT_TEMPLATE}. */
        public Builder topicMapping(TopicMapping topicMapping) {
            this.topicMapping = topicMapping;
            return this;
        }

        /** Default false. */
        public Builder allowAnonymous(boolean allowAnonymous) {
            this.allowAnonymous = allowAnonymous;
            return this;
        }

        /** Default 256 KiB. */
        public Builder maxPacketSize(int maxPacketSize) {
            this.maxPacketSize = maxPacketSize;
            return this;
        }

        /** Default 10 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Default 256. */
        public Builder maxClientIdLength(int maxClientIdLength) {
            this.maxClientIdLength = maxClientIdLength;
            return this;
        }

        /** Default 1024. */
        public Builder receiveMaximum(int receiveMaximum) {
            this.receiveMaximum = receiveMaximum;
            return this;
        }

        /** Topic Aliases an MQTT 5 client may set per connection, advertised in CONNACK; default 10, 0 for none. */
        public Builder topicAliasMaximum(int topicAliasMaximum) {
            this.topicAliasMaximum = topicAliasMaximum;
            return this;
        }

        /** Default 1 day. */
        public Builder maxSessionExpiry(Duration maxSessionExpiry) {
            this.maxSessionExpiry = maxSessionExpiry;
            return this;
        }

        /** Default 0 (Netty's default, twice the cores). */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        public MqttServerConfig build() {
            return new MqttServerConfig(
                    host,
                    port,
                    tlsPort,
                    Optional.ofNullable(tls),
                    topicMapping,
                    allowAnonymous,
                    maxPacketSize,
                    connectTimeout,
                    maxClientIdLength,
                    receiveMaximum,
                    topicAliasMaximum,
                    maxSessionExpiry,
                    ioThreads,
                    forward,
                    subscriberQueue,
                    subscriberQueueBytes,
                    subscriberInFlight,
                    subscriberWait,
                    Optional.ofNullable(stateDirectory),
                    retainedCompactBytes,
                    sessionLimits);
        }
    }
}
