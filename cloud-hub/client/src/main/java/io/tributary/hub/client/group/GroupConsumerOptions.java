package io.tributary.hub.client.group;

import io.tributary.hub.client.ReadPosition;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * How a {@link GroupConsumer} joins its group. Immutable.
 *
 * @param stream the stream
 * @param group the consumer group
 * @param memberId this member's id, unique in the group
 * @param initialPosition where a shard without checkpoint starts (children of a finished shard always start at the
 *     oldest record)
 * @param heartbeatInterval how often to heartbeat (also bounded by a third of the hub's lease timeout)
 * @param creditRecords records the hub may push ahead per shard
 */
public record GroupConsumerOptions(
        String stream,
        String group,
        String memberId,
        ReadPosition initialPosition,
        Duration heartbeatInterval,
        int creditRecords) {

    public GroupConsumerOptions {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(initialPosition, "initialPosition");
    }

    public static GroupConsumerOptions of(String stream, String group) {
        String member = ManagementFactory.getRuntimeMXBean().getName() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        return new GroupConsumerOptions(
                stream, group, member, ReadPosition.trimHorizon(), Duration.ofSeconds(1), 1_000);
    }

    public GroupConsumerOptions withMemberId(String id) {
        return new GroupConsumerOptions(stream, group, id, initialPosition, heartbeatInterval, creditRecords);
    }

    public GroupConsumerOptions withHeartbeat(Duration interval) {
        return new GroupConsumerOptions(stream, group, memberId, initialPosition, interval, creditRecords);
    }

    public GroupConsumerOptions withInitialPosition(ReadPosition position) {
        return new GroupConsumerOptions(stream, group, memberId, position, heartbeatInterval, creditRecords);
    }
}
