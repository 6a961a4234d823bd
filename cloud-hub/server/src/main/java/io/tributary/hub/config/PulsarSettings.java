package io.tributary.hub.config;

import java.net.URI;
import java.time.Duration;

/**
 * The hub settings {@code pulsar.*}, read by the Pulsar store's provider when {@code store=pulsar} (validated always,
 * used only then).
 *
 * @param serviceUrl the brokers' binary protocol, e.g. {@code pulsar://host:6650}
 * @param adminUrl the brokers' admin REST API, e.g. {@code http://host:8080}
 * @param tenant Pulsar tenant of the shard topics
 * @param namespace Pulsar namespace of the shard topics
 * @param operationTimeout bound of each Pulsar operation
 */
public record PulsarSettings(
        String serviceUrl, URI adminUrl, String tenant, String namespace, Duration operationTimeout) {}
