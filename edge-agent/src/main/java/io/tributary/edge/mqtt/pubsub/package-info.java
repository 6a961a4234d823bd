/**
 * Publish/subscribe core of the edge's local MQTT broker, free of Netty: topic filter rules and shared
 * subscriptions ({@link io.tributary.edge.mqtt.pubsub.TopicFilters}), the granted {@link
 * io.tributary.edge.mqtt.pubsub.Subscription}, and the {@link io.tributary.edge.mqtt.pubsub.SubscriptionIndex}
 * that finds the subscribers of a publish. Delivery (queues, in-flight windows, acks) lives in
 * {@code io.tributary.edge.mqtt}.
 */
package io.tributary.edge.mqtt.pubsub;
