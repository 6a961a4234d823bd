package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardStore;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.LeaseHeartbeat;
import io.tributary.protocol.v1.PeerRole;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the coordinator tests share: a member's session whose frames land in a queue, the frames it sends (member
 * "a" of group "g" on stream "s"), and a shard store that must not be touched.
 */
final class CoordinatorFrames {
    private CoordinatorFrames() {}

    /** A consumer session ("member-a") whose outbound frames are added to {@code sent}. */
    static Session session(BlockingQueue<Frame> sent) throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                sent.add((Frame) msg);
                promise.trySuccess();
            }
        });
        Constructor<Session> c = Session.class.getDeclaredConstructor(
                Channel.class, String.class, long.class, PeerRole.class, long.class, String.class, long.class);
        c.setAccessible(true);
        return c.newInstance(channel, "member-a", 0L, PeerRole.PEER_ROLE_CONSUMER, 0L, "test", 0L);
    }

    /** A shard store every call of which fails: the coordinator under test must not read shards. */
    static ShardStore noShardStore() {
        return (ShardStore) Proxy.newProxyInstance(
                ShardStore.class.getClassLoader(), new Class<?>[] {ShardStore.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    static Frame heartbeat() {
        return Frame.newBuilder()
                .setLeaseHeartbeat(LeaseHeartbeat.newBuilder()
                        .setStream("s")
                        .setConsumerGroup("g")
                        .setMemberId("a"))
                .build();
    }

    static Frame checkpoint(String shard, long token, long sequence) {
        return Frame.newBuilder()
                .setCheckpoint(Checkpoint.newBuilder()
                        .setStream("s")
                        .setConsumerGroup("g")
                        .setShardId(shard)
                        .setMemberId("a")
                        .setLeaseToken(token)
                        .setSequence(sequence))
                .build();
    }

    /** The next frame sent to the member, within 10 s. */
    static Frame reply(BlockingQueue<Frame> sent) throws InterruptedException {
        Frame f = sent.poll(10, TimeUnit.SECONDS);
        assertThat(f).as("a reply").isNotNull();
        return f;
    }
}
