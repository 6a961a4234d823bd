package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.buffer.Appended;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.hub.client.ClientOptions;
import io.tributary.hub.client.ClientResources;
import io.tributary.hub.client.FrameListener;
import io.tributary.hub.client.HubConnection;
import io.tributary.hub.client.HubEndpoint;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forwarder's connection lifecycle when the hub hangs up at awkward moments. */
class ForwarderLinkTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ClientResources resources = new ClientResources(1);
    private FakeHub hub;
    private DurableBuffer buffer;
    private Forwarder forwarder;

    @BeforeEach
    void setUp() throws Exception {
        hub = new FakeHub();
        buffer = FakeHub.openGranted(() -> DurableBuffer.open(
                BufferConfig.builder(dir.resolve("buffer"), "agent-1").build(), Clock.systemUTC(), registry));
    }

    @AfterEach
    void tearDown() {
        if (forwarder != null) {
            forwarder.close();
        }
        buffer.close();
        hub.close();
        resources.close();
    }

    private static ForwarderConfig config() {
        return ForwarderConfig.defaults("telemetry")
                .withBatching(50, 1 << 20, Duration.ofMillis(5))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    private ClientOptions options() {
        return ClientOptions.builder(HubEndpoint.parseList(hub.address()))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    private List<RecordId> append(int n, int payloadBytes) {
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
    void connectionClosedBeforeItsHandshakeResultIsHandled_isReplaced() {
        List<RecordId> ids = append(10, 10);
        hub.hangUpAfterWelcome(1);
        HubLink.Connector agent = HubLink.Connector.agent(resources, options(), "agent-1", buffer::epochGrant);
        AtomicInteger attempts = new AtomicInteger();
        // The first attempt's future completes only after its connection closed: what the forwarder sees when its
        // thread is preempted between starting a connect and attaching to the future while the hub says Welcome and
        // hangs up. The close then reaches the forwarder before the connection does.
        HubLink.Connector lateAnswer = (ep, listener) -> {
            if (attempts.incrementAndGet() > 1) {
                return agent.connect(ep, listener);
            }
            CompletableFuture<HubConnection> answer = new CompletableFuture<>();
            agent.connect(ep, new FrameListener() {
                        @Override
                        public void onFrame(HubConnection c, Frame frame) {
                            listener.onFrame(c, frame);
                        }

                        @Override
                        public void onClosed(HubConnection c, String reason) {
                            listener.onClosed(c, reason);
                            answer.complete(c);
                        }
                    })
                    .whenComplete((c, e) -> {
                        if (e != null) {
                            answer.completeExceptionally(e);
                        }
                    });
            return answer;
        };
        forwarder = new Forwarder(
                config(), buffer, options().endpoints(), lateAnswer, "agent-1", registry, Clock.systemUTC());
        forwarder.start();

        await().atMost(WAIT).until(() -> hub.recordCount() == 10);
        assertThat(hub.records()).extracting(Record::getId).containsExactlyElementsOf(ids);
        assertThat(attempts.get()).isGreaterThanOrEqualTo(2);
        assertThat(hub.hellos()).isGreaterThanOrEqualTo(2);
    }
}
