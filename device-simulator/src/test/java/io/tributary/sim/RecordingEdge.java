package io.tributary.sim;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.MqttServer;
import io.tributary.edge.mqtt.MqttServerConfig;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.edge.mqtt.StaticAuthenticator;
import io.tributary.sim.verify.QueueRecordSource;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The real edge MQTT endpoint in-process on 127.0.0.1, port 0, with a sink that records every publish into a
 * {@link QueueRecordSource} (what the verifier reads) and answers with {@code decide} (default: stored).
 * Thread-safe; close it.
 */
public final class RecordingEdge implements AutoCloseable {

    public static final String USER = "sim";
    public static final String PASSWORD = "pw";

    final QueueRecordSource records = new QueueRecordSource();
    final AtomicLong unmappedTopics = new AtomicLong();
    private final MqttServer server;

    public RecordingEdge(Function<InboundPublish, SinkResult> decide) throws Exception {
        server = new MqttServer(
                MqttServerConfig.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .ioThreads(1)
                        .build(),
                StaticAuthenticator.of(Map.of(USER, PASSWORD)),
                this::accept,
                new SimpleMeterRegistry());
        server.start();
        this.decide = decide;
    }

    private final Function<InboundPublish, SinkResult> decide;

    public RecordingEdge() throws Exception {
        this(p -> SinkResult.STORED);
    }

    private CompletionStage<SinkResult> accept(InboundPublish p) {
        SinkResult result = decide.apply(p);
        if (result == SinkResult.STORED) {
            if (!p.mapped().device().equals(deviceOf(p.payload()))) {
                unmappedTopics.incrementAndGet();
            }
            Instant now = Instant.now();
            records.offerPayload(p.payload(), now.getEpochSecond() * 1_000_000L + now.getNano() / 1000);
        }
        return CompletableFuture.completedFuture(result);
    }

    private static String deviceOf(byte[] payload) {
        return io.tributary.sim.payload.PayloadCodec.parse(payload)
                .identity()
                .map(id -> id.deviceId())
                .orElse("?");
    }

    public int port() {
        return server.plainAddress().orElseThrow().getPort();
    }

    public SimConfigBuilder config() {
        return SimConfig.builder("127.0.0.1", port())
                .credentials(USER, PASSWORD)
                .ioThreads(1);
    }

    @Override
    public void close() {
        server.close();
    }
}
