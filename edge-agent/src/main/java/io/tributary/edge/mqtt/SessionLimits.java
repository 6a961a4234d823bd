package io.tributary.edge.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Bounds of the persistent sessions (those that outlive their connection: MQTT 3.1.1 clean session 0, MQTT 5 Session
 * Expiry Interval above 0; stored only with a {@link MqttServerConfig#stateDirectory()}). Immutable.
 *
 * @param maxSessions persistent sessions stored at most; a CONNECT that would create one more is refused (MQTT 5
 *     0x97 Quota exceeded, 3.1.1 0x03 Server unavailable)
 * @param queueMessages QoS 1/2 messages queued for one session at most (sent but unacknowledged ones included)
 * @param queueBytes bytes of those messages (topic, properties and payload) at most
 * @param policy what a full queue gives up
 * @param compactBytes size of the session journal past which it is compacted, if it is also twice the last snapshot
 */
public record SessionLimits(int maxSessions, int queueMessages, long queueBytes, Policy policy, long compactBytes) {

    /** What a full session queue gives up; either way the message is counted and logged. */
    public enum Policy {
        /** The oldest message not sent yet makes room for the new one (reason {@code session_queue_full}). */
        DROP_OLDEST,
        /** The new message is not queued (reason {@code session_queue_full}). */
        REFUSE_NEWEST;

        /** {@code drop-oldest} or {@code refuse-newest}. */
        public static Policy parse(String value) {
            return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public static final SessionLimits DEFAULTS =
            new SessionLimits(10_000, 1000, 1024 * 1024, Policy.DROP_OLDEST, 64L * 1024 * 1024);

    public SessionLimits {
        Objects.requireNonNull(policy, "policy");
        List<String> errors = new ArrayList<>();
        if (maxSessions < 0) errors.add("maxSessions must not be negative");
        // packet ids: 65,535 per session, shared with the connection's other in-flight deliveries
        if (queueMessages < 1 || queueMessages > 60_000) errors.add("queueMessages must be 1..60000");
        if (queueBytes < 1024) errors.add("queueBytes must be >= 1024");
        if (compactBytes < 1024) errors.add("compactBytes must be >= 1024");
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid session limits: " + String.join("; ", errors));
        }
    }
}
