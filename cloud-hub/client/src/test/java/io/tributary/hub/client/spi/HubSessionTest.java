package io.tributary.hub.client.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.hub.client.testing.FakeHub;
import io.tributary.hub.client.testing.LateAnswer;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Welcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HubSession} on its own: the stale-callback rules, fencing at the handshake, the epoch grant. */
class HubSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ClientResources resources = new ClientResources(1);
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final AtomicLong held = new AtomicLong();
    private final List<Long> retries = new CopyOnWriteArrayList<>();
    private FakeHub hub;
    private HubSession session;

    @BeforeEach
    void setUp() throws Exception {
        hub = new FakeHub();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (session != null) {
            session.close();
        }
        thread.shutdownNow();
        thread.awaitTermination(5, TimeUnit.SECONDS);
        hub.close();
        resources.close();
    }

    private HubSessionBuilder builder() {
        ClientOptions options = ClientOptions.builder(List.of(hub.endpoint()))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        return HubSession.builder(resources, options, PeerRole.PEER_ROLE_AGENT, "agent-1")
                .executor(thread)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .epochGrant(new EpochGrant() {
                    @Override
                    public long held() {
                        return held.get();
                    }

                    @Override
                    public void hold(long grant) {
                        events.add("hold " + grant);
                        held.set(grant);
                    }
                });
    }

    private HubSessionListener recorder() {
        return new HubSessionListener() {
            @Override
            public void connected(HubEndpoint endpoint, Welcome welcome) {
                events.add("connected");
            }

            @Override
            public void lost(HubEndpoint endpoint, String reason, long retryInMillis) {
                events.add("lost");
                retries.add(retryInMillis);
            }

            @Override
            public void fenced(HubEndpoint endpoint, FencedException e) {
                events.add("fenced");
            }

            @Override
            public void refused(HubEndpoint endpoint, HubClientException e) {
                events.add("refused");
            }
        };
    }

    @Test
    void connectionClosedBeforeItsHandshakeResultIsHandled_isLostNotCurrent() {
        hub.hangUpAfterWelcome(1);
        HubSessionBuilder b = builder();
        LateAnswer lateAnswer = new LateAnswer((ep, epoch, listener) -> HubConnection.connect(
                resources,
                ep,
                ClientOptions.of(hub.endpoint().toString()),
                PeerRole.PEER_ROLE_AGENT,
                "agent-1",
                epoch,
                listener));
        session = SessionHooks.connector(b, lateAnswer).build(recorder());
        session.start();

        await().atMost(WAIT).until(() -> events.contains("connected"));
        assertThat(lateAnswer.attempts()).isGreaterThanOrEqualTo(2);
        assertThat(hub.hellos()).isGreaterThanOrEqualTo(2);
        assertThat(events).filteredOn(e -> !e.startsWith("hold")).containsExactly("lost", "connected");
        await().atMost(WAIT).until(() -> isConnected(session));
    }

    @Test
    void fencedAtTheHandshake_stopsForGood() {
        hub.fenceAtHello(true);
        session = builder().build(recorder());
        session.start();

        await().atMost(WAIT).until(() -> events.contains("fenced"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> hub.hellos() == 1);
        assertThat(events).containsExactly("fenced");
    }

    @Test
    void firstGrant_isHeldBeforeConnected_andPresentedFromThenOn() {
        session = builder().build(recorder());
        session.start();
        await().atMost(WAIT).until(() -> events.contains("connected"));
        hub.dropConnections();

        await().atMost(WAIT)
                .until(() -> events.stream().filter("connected"::equals).count() == 2);
        assertThat(events).startsWith("hold " + FakeHub.GRANT, "connected", "lost", "connected");
        assertThat(hub.received(Frame.BodyCase.HELLO))
                .extracting(a -> a.frame().getHello().getAgentEpoch())
                .containsExactly(0L, FakeHub.GRANT);
    }

    @Test
    void linkDyingRightAfterEachHandshake_backoffKeepsGrowing() {
        hub.hangUpAfterWelcome(5);
        session = builder().build(recorder());
        session.start();

        await().atMost(WAIT).until(() -> retries.size() >= 5);
        // 20 ms doubling to 200 ms, each delay in [b/2, b]: the fifth is at least 80 ms. Reset at every handshake,
        // every delay was at most 20 ms: a reconnect storm on a flapping uplink.
        assertThat(retries.get(4)).as("retries %s", retries).isGreaterThanOrEqualTo(80);
        await().atMost(WAIT).until(() -> isConnected(session));
    }

    private boolean isConnected(HubSession s) throws Exception {
        return thread.submit(s::isConnected).get();
    }
}
