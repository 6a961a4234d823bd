package io.tributary.edge.mqtt;

import java.util.concurrent.CompletionStage;

/**
 * Where the MQTT endpoint hands every accepted PUBLISH (QoS 0, 1 and 2) to a forwarded topic
 * ({@link MqttServerConfig#forward()}); local subscribers get it once the stage completes with
 * {@link SinkResult#STORED}. The endpoint acknowledges a QoS 1/2
 * publish only after the returned stage completes with {@link SinkResult#STORED}.
 *
 * <p>Threads: {@link #accept} is called on a Netty event loop and must not block (no disk I/O, no locks held
 * for long, no {@code Future.get()}). The returned stage may complete on any thread; the endpoint hops back to
 * the channel's event loop before writing the acknowledgement. A stage that completes exceptionally, or an
 * {@code accept} that throws, counts as {@link SinkResult#FAILED}.
 */
@FunctionalInterface
public interface PublishSink {

    /**
     * Offers one publish. The sink owns {@code publish} (and its payload array) from here on.
     *
     * @return a stage that completes when the publish is durable ({@link SinkResult#STORED}) or refused
     */
    CompletionStage<SinkResult> accept(InboundPublish publish);
}
