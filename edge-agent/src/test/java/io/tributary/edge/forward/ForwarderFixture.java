package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.frame.FrameLimits;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A forwarder over a durable buffer in a temporary directory, sending to a {@link FakeHub}; for the forwarder tests. */
abstract class ForwarderFixture {

    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ClientResources resources = new ClientResources(1);
    FakeHub hub;
    DurableBuffer buffer;
    Forwarder forwarder;

    @BeforeEach
    void setUp() throws Exception {
        hub = new FakeHub();
        buffer = openBuffer();
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

    DurableBuffer openBuffer() {
        return FakeHub.openGranted(() -> DurableBuffer.open(
                BufferConfig.builder(dir.resolve("buffer.db"), "agent-1").build(), Clock.systemUTC(), registry));
    }

    Forwarder start(String endpoints, ForwarderConfig config) {
        return start(endpoints, config, FrameLimits.DEFAULT_MAX_FRAME_BYTES);
    }

    Forwarder start(String endpoints, ForwarderConfig config, int maxFrameBytes) {
        ClientOptions options = ClientOptions.builder(HubEndpoint.parseList(endpoints))
                .connectTimeout(Duration.ofSeconds(2))
                .maxFrameBytes(maxFrameBytes)
                .build();
        forwarder = new Forwarder(config, buffer, resources, options, "agent-1", registry, Clock.systemUTC());
        forwarder.start();
        return forwarder;
    }

    static ForwarderConfig config() {
        return ForwarderConfig.defaults("telemetry")
                .withBatching(50, 1 << 20, Duration.ofMillis(5))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    List<RecordId> append(String lane, int n) {
        List<CompletableFuture<io.tributary.edge.buffer.Appended>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(buffer.append(PendingRecord.of(
                    lane,
                    Record.newBuilder()
                            .setDeviceGroup(lane)
                            .setDeviceId("dev-" + (i % 3))
                            .setMetric("temp")
                            .setEventTimeMs(1_000 + i)
                            .setContentType(ContentType.CONTENT_TYPE_TEXT)
                            .setPayload(ByteString.copyFromUtf8(lane + "-" + i))
                            .build())));
        }
        return fs.stream()
                .map(f -> f.orTimeout(10, TimeUnit.SECONDS).join())
                .peek(a -> assertThat(a.isStored()).isTrue())
                .map(io.tributary.edge.buffer.Appended::id)
                .toList();
    }
}
