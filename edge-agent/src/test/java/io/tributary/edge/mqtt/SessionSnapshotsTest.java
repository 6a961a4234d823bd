package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tributary.edge.mqtt.pubsub.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What {@link SessionSnapshots} reports of the sessions in a {@link SessionRegistry}, and that it leaks nothing. */
class SessionSnapshotsTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DeliveryDrops drops = new DeliveryDrops(new MqttMetrics(meters));
    private final LocalBroker broker = new LocalBroker(new InMemoryRetainedMessages(), drops);
    private final PersistentSessions persistent = new PersistentSessions(
            null, SessionLimits.DEFAULTS, drops, InboundReceipts.create(p -> null, false, meters), clock, meters);
    private final SessionRegistry registry = new SessionRegistry(broker::drop, persistent, null, clock);

    {
        broker.persistentSessions(persistent);
    }

    private Session connect(String clientId, boolean cleanStart, EmbeddedChannel channel, Duration expiry) {
        SessionRegistry.Attached a = registry.attach(clientId, cleanStart, channel, expiry);
        persistent.connected(a.session(), a.sessionPresent(), expiry).join();
        return a.session();
    }

    @Test
    void persistentSession_connectedThenDetached() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Session s = connect("a", false, channel, MINUTE);
        broker.subscribe(s, Subscription.of("b/#", 1));
        broker.subscribe(s, new Subscription("x/+", "g", 2, true, true, 2, 9));

        SessionInfo connected = SessionSnapshots.one(registry, "a").orElseThrow();
        assertThat(connected.connected()).isTrue();
        assertThat(connected.persistent()).isTrue();
        assertThat(connected.expirySeconds()).isEqualTo(60);
        assertThat(connected.expiresAtMillis()).isZero();
        assertThat(connected.subscriptions()).extracting(Subscription::key).containsExactly("$share/g/x/+", "b/#");

        registry.detach(s, channel, MINUTE);
        SessionInfo detached = SessionSnapshots.one(registry, "a").orElseThrow();
        assertThat(detached.connected()).isFalse();
        assertThat(detached.expiresAtMillis()).isEqualTo(1_000_000 + 60_000);
        assertThat(detached.queuedMessages()).isZero();
        assertThat(detached.inboundQos2()).isZero();
    }

    @Test
    void cleanSession_isNotPersistent_andGoesWithItsConnection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Session s = connect("c", true, channel, Duration.ZERO);
        assertThat(SessionSnapshots.one(registry, "c").orElseThrow())
                .extracting(SessionInfo::persistent, SessionInfo::expirySeconds)
                .containsExactly(false, 0L);
        registry.detach(s, channel, Duration.ZERO);
        assertThat(SessionSnapshots.all(registry)).isEmpty();
        assertThat(registry.expiry(s)).isEqualTo(new SessionRegistry.Expiry(0, 0));
    }

    @Test
    void takeoverWithCleanStart_thenTheOldConnectionsDetach_leavesNoExpiryBehind() {
        EmbeddedChannel first = new EmbeddedChannel();
        Session old = connect("t", false, first, MINUTE);
        connect("t", true, new EmbeddedChannel(), Duration.ZERO);
        registry.detach(old, first, MINUTE); // the old connection closes after the takeover ended its session

        assertThat(registry.expiry(old)).isEqualTo(new SessionRegistry.Expiry(0, 0));
        assertThat(SessionSnapshots.all(registry))
                .singleElement()
                .extracting(SessionInfo::connected, SessionInfo::persistent)
                .containsExactly(true, false);
    }

    @Test
    void all_isSortedByClientId() {
        for (String id : new String[] {"b", "c", "a"}) {
            connect(id, true, new EmbeddedChannel(), Duration.ZERO);
        }
        assertThat(SessionSnapshots.all(registry))
                .extracting(SessionInfo::clientId)
                .containsExactly("a", "b", "c");
        assertThat(SessionSnapshots.one(registry, "nobody")).isEmpty();
    }
}
