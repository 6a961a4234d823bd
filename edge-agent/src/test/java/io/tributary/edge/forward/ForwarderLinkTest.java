package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.buffer.Appended;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionBuilder;
import io.tributary.hub.client.spi.SessionHooks;
import io.tributary.hub.client.testing.HubSessionContract;
import io.tributary.hub.client.testing.LateAnswer;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder's link to the hub: the client library's link contract (failover, return to the preferred hub,
 * half-open detection, throttle, fencing), and its connection lifecycle when the hub hangs up at awkward moments.
 */
class ForwarderLinkTest extends HubSessionContract<ForwarderLinkTest.Edge> {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** A forwarder and its buffer, closed in that order. */
    record Edge(Forwarder forwarder, DurableBuffer buffer) implements AutoCloseable {
        @Override
        public void close() {
            forwarder.close();
            buffer.close();
        }
    }

    private static ForwarderConfig config() {
        return ForwarderConfig.defaults("telemetry")
                .withBatching(50, 1 << 20, Duration.ofMillis(5))
                .withBackoff(BACKOFF_INITIAL, BACKOFF_MAX);
    }

    private DurableBuffer openBuffer() {
        return DurableBuffer.open(
                BufferConfig.builder(dir.resolve("buffer"), "agent-1").build(), Clock.systemUTC(), registry);
    }

    @Override
    protected Edge start(ClientResources resources, ClientOptions client) {
        DurableBuffer buffer = openBuffer();
        Forwarder f = new Forwarder(config(), buffer, resources, client, "agent-1", registry, Clock.systemUTC());
        f.start();
        return new Edge(f, buffer);
    }

    @Override
    protected Frame.BodyCase firstFrame() {
        return Frame.BodyCase.BATCH;
    }

    @Override
    protected void work(Edge edge) {
        append(edge.buffer(), 1, 10);
        edge.forwarder().wakeUp();
    }

    @Override
    protected boolean reportsFenced(Edge edge) {
        return edge.forwarder().status().state() == LinkState.FENCED;
    }

    private static List<RecordId> append(DurableBuffer buffer, int n, int payloadBytes) {
        List<RecordId> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Record body = Record.newBuilder()
                    .setDeviceGroup("a")
                    .setDeviceId("dev")
                    .setContentType(ContentType.CONTENT_TYPE_TEXT)
                    .setPayload(ByteString.copyFromUtf8(i + "x".repeat(payloadBytes)))
                    .build();
            Appended a = buffer.append(PendingRecord.of("a", body))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();
            assertThat(a.isStored()).isTrue();
            ids.add(a.id());
        }
        return ids;
    }

    @Test
    void connectionClosedBeforeItsHandshakeResultIsHandled_isReplaced() throws Exception {
        try (FakeHub hub = new FakeHub();
                ClientResources resources = new ClientResources(1)) {
            DurableBuffer buffer = FakeHub.openGranted(this::openBuffer);
            List<RecordId> ids = append(buffer, 10, 10);
            hub.hangUpAfterWelcome(1);
            ClientOptions options = ClientOptions.builder(HubEndpoint.parseList(hub.address()))
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            LateAnswer lateAnswer = new LateAnswer((ep, epoch, listener) -> HubConnection.connect(
                    resources, ep, options, PeerRole.PEER_ROLE_AGENT, "agent-1", epoch, listener));
            HubSessionBuilder session = SessionHooks.connector(
                    HubSession.builder(resources, options, PeerRole.PEER_ROLE_AGENT, "agent-1"), lateAnswer);
            try (Edge edge = new Edge(
                    new Forwarder(config(), buffer, session, "agent-1", registry, Clock.systemUTC()), buffer)) {
                edge.forwarder().start();

                await().atMost(WAIT).until(() -> hub.recordCount() == 10);
                assertThat(hub.records()).extracting(Record::getId).containsExactlyElementsOf(ids);
                assertThat(lateAnswer.attempts()).isGreaterThanOrEqualTo(2);
                assertThat(hub.hellos()).isGreaterThanOrEqualTo(2);
                await().atMost(WAIT).until(() -> edge.forwarder().status().state() == LinkState.UP);
            }
        }
    }
}
