package io.tributary.hub.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every client's link to the hub does, the same for all of them because they all run on one {@link
 * io.tributary.hub.client.spi.HubSession}: fail over down the endpoint list, return to the preferred endpoint after a
 * loss, detect a half-open link by keepalive, honour a throttle, stop for good when fenced, and move to the stream's
 * home region's hub when a hub says it is not the home (NOT_HOME), without spinning between two hubs that each name
 * the other. Each client (producer,
 * shard reader, group consumer, the edge agent's forwarder) runs this suite in a subclass against {@link FakeHub}s.
 *
 * @param <C> the client under test
 */
public abstract class HubSessionContract<C extends AutoCloseable> {
    protected static final Duration WAIT = Duration.ofSeconds(20);
    protected static final Duration KEEP_ALIVE = Duration.ofMillis(200);
    protected static final Duration BACKOFF_INITIAL = Duration.ofMillis(20);
    protected static final Duration BACKOFF_MAX = Duration.ofMillis(200);

    private final List<FakeHub> hubs = new ArrayList<>();
    private ClientResources resources;
    private C client;

    /**
     * Starts the client under test on {@code client}'s endpoints, with a reconnect backoff of {@link #BACKOFF_INITIAL}
     * to {@link #BACKOFF_MAX} where the client lets it be set.
     */
    protected abstract C start(ClientResources resources, ClientOptions client) throws Exception;

    /** The frame the client sends once connected, which shows the hub it is in use. */
    protected abstract Frame.BodyCase firstFrame();

    /** Gives the client one more thing to send, for clients that send only on demand. */
    protected void work(C client) throws Exception {}

    /** Whether the client sends batches under an epoch grant (producers, agents): throttles and fencing are theirs. */
    protected boolean sendsBatches() {
        return firstFrame() == Frame.BodyCase.BATCH;
    }

    /**
     * Whether the client reports that the hub fenced it. The fencing test runs only when {@link #sendsBatches()}; a
     * client without an epoch grant answers false.
     */
    protected abstract boolean reportsFenced(C client) throws Exception;

    @BeforeEach
    void resources() {
        resources = new ClientResources(1);
    }

    @AfterEach
    void stopAll() throws Exception {
        if (client != null) {
            client.close();
        }
        hubs.forEach(FakeHub::close);
        resources.close();
    }

    private FakeHub hub() throws InterruptedException {
        FakeHub h = new FakeHub();
        hubs.add(h);
        return h;
    }

    private C connect(HubEndpoint... endpoints) throws Exception {
        ClientOptions options = ClientOptions.builder(List.of(endpoints))
                .connectTimeout(Duration.ofSeconds(2))
                .keepAlive(KEEP_ALIVE)
                .build();
        client = start(resources, options);
        work(client);
        return client;
    }

    @Test
    void firstEndpointDown_failsOverToTheSecond() throws Exception {
        FakeHub second = hub();
        connect(FakeHub.downEndpoint(), second.endpoint());

        await().atMost(WAIT).until(() -> !second.received(firstFrame()).isEmpty());
        assertThat(second.hellos()).isEqualTo(1);
    }

    @Test
    void lostConnection_returnsToThePreferredEndpoint() throws Exception {
        FakeHub preferred = hub();
        FakeHub other = hub();
        preferred.refuseConnections(true);
        C c = connect(preferred.endpoint(), other.endpoint());
        await().atMost(WAIT).until(() -> !other.received(firstFrame()).isEmpty());

        preferred.refuseConnections(false);
        other.dropConnections();
        work(c);

        await().atMost(WAIT).until(() -> !preferred.received(firstFrame()).isEmpty());
        assertThat(other.hellos()).as("no reconnect to the second endpoint").isEqualTo(1);
    }

    @Test
    void halfOpenLink_isClosedAfterThreeSilentKeepAliveIntervals_andReconnected() throws Exception {
        FakeHub silent = hub();
        silent.silentAfterWelcome(true);
        connect(silent.endpoint());

        await().atMost(WAIT).until(() -> silent.hellos() >= 2);
        assertThat(silent.received(Frame.BodyCase.PING)).as("keepalive pings").isNotEmpty();
        long silentFor = silent.closeNanos().get(0) - silent.welcomeNanos().get(0);
        assertThat(TimeUnit.NANOSECONDS.toMillis(silentFor)).isGreaterThanOrEqualTo(3 * KEEP_ALIVE.toMillis() - 20);
    }

    @Test
    void throttle_nothingIsSentBeforeRetryAfter() throws Exception {
        assumeThat(sendsBatches()).as("only batch senders are throttled").isTrue();
        FakeHub hub = hub();
        int retryAfterMs = 600;
        hub.throttleFirstBatch(retryAfterMs);
        connect(hub.endpoint());

        await().atMost(WAIT).until(() -> hub.received(Frame.BodyCase.BATCH).size() >= 2);
        long throttled = hub.throttleNanos().get(0);
        assertThat(hub.received(Frame.BodyCase.BATCH))
                .filteredOn(a -> a.nanos() > throttled)
                .allSatisfy(a -> assertThat(a.nanos() - throttled)
                        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(retryAfterMs)));
    }

    @Test
    void fencedOnALiveConnection_stopsForGood() throws Exception {
        assumeThat(sendsBatches()).as("only grant holders are fenced").isTrue();
        FakeHub hub = hub();
        hub.fenceAfterWelcome(true);
        C c = connect(hub.endpoint());

        await().atMost(WAIT).until(() -> reportsFenced(c));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> hub.hellos() == 1);
    }

    @Test
    void notHome_movesToTheHomeHub_andALaterLossReconnectsThere() throws Exception {
        assumeThat(sendsBatches()).as("only batches are redirected").isTrue();
        FakeHub replica = hub();
        FakeHub home = hub();
        replica.redirectBatchesTo(home.endpoint().toString());
        C c = connect(replica.endpoint(), home.endpoint());
        await().atMost(WAIT).until(() -> !home.received(Frame.BodyCase.BATCH).isEmpty());
        assertThat(replica.hellos()).isEqualTo(1);

        home.dropConnections();
        work(c);

        await().atMost(WAIT)
                .until(() -> home.hellos() >= 2
                        && home.received(Frame.BodyCase.BATCH).size() >= 2);
        assertThat(replica.hellos())
                .as("the hub moved to is the preferred one now")
                .isEqualTo(1);
    }

    @Test
    void notHome_namingAnEndpointNotInTheList_movesToTheNextInTheList() throws Exception {
        assumeThat(sendsBatches()).as("only batches are redirected").isTrue();
        FakeHub replica = hub();
        FakeHub next = hub();
        FakeHub unlisted = hub();
        replica.redirectBatchesTo(unlisted.endpoint().toString());
        connect(replica.endpoint(), next.endpoint());

        await().atMost(WAIT).until(() -> !next.received(Frame.BodyCase.BATCH).isEmpty());
        assertThat(unlisted.hellos())
                .as("never an address the user did not configure")
                .isZero();
    }

    @Test
    void twoHubsNamingEachOtherHome_movesBackOffInsteadOfSpinning() throws Exception {
        assumeThat(sendsBatches()).as("only batches are redirected").isTrue();
        FakeHub a = hub();
        FakeHub b = hub();
        a.redirectBatchesTo(b.endpoint().toString());
        b.redirectBatchesTo(a.endpoint().toString());
        connect(a.endpoint(), b.endpoint());

        int moves = 9;
        await().atMost(WAIT).until(() -> a.hellos() + b.hellos() > moves);
        List<Long> welcomes = Stream.concat(a.welcomeNanos().stream(), b.welcomeNanos().stream())
                .sorted()
                .toList();
        // Move 1 is immediate; move m waits at least half of min(max, initial * 2^(m - 2)), like failed attempts.
        for (int m = 2; m <= moves; m++) {
            long bound = Math.min(BACKOFF_MAX.toMillis(), BACKOFF_INITIAL.toMillis() << (m - 2));
            assertThat(welcomes.get(m) - welcomes.get(m - 1))
                    .as("move %d", m)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(bound / 2));
        }
        long first = welcomes.get(0);
        assertThat(welcomes)
                .as("connections in the first 500 ms")
                .filteredOn(w -> w - first < TimeUnit.MILLISECONDS.toNanos(500))
                .hasSizeLessThanOrEqualTo(moves);
        b.redirectBatchesTo(null); // lets the client deliver and close quickly
    }
}
