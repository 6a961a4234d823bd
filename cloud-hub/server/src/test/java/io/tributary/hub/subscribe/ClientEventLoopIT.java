package io.tributary.hub.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.internal.FrameListener;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Ping;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client objects keep their state on one event loop of a shared {@link ClientResources}; frames from the hub must
 * arrive on that same loop. With several loops they used not to (the channel took the group's next loop), which
 * corrupted the producer's in-flight maps under load.
 */
class ClientEventLoopIT {
    @TempDir
    Path dir;

    ConsumerFixture hub;
    final ClientResources manyLoops = new ClientResources(4);

    @BeforeEach
    void setUp() throws Exception {
        hub = new ConsumerFixture(dir, Duration.ofSeconds(5));
    }

    @AfterEach
    void tearDown() {
        manyLoops.close();
        hub.close();
    }

    @Test
    void connect_onAGivenLoop_callsTheListenerOnThatLoop() throws Exception {
        for (EventExecutor e : manyLoops.group()) {
            EventLoop loop = (EventLoop) e;
            CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
            HubConnection conn = HubConnection.connect(
                            manyLoops,
                            loop,
                            hub.client().endpoints().get(0),
                            hub.client(),
                            PeerRole.PEER_ROLE_CONSUMER,
                            "loop-test",
                            0,
                            new FrameListener() {
                                @Override
                                public void onFrame(HubConnection c, Frame frame) {
                                    if (frame.hasPong()) {
                                        onLoop.complete(loop.inEventLoop());
                                    }
                                }

                                @Override
                                public void onClosed(HubConnection c, String reason) {}
                            })
                    .get(10, TimeUnit.SECONDS);
            try {
                assertThat(conn.eventLoop()).isSameAs(loop);
                conn.send(Frame.newBuilder()
                        .setPing(Ping.newBuilder().setNonce(1).setSendTimeNanos(System.nanoTime()))
                        .build());
                assertThat(onLoop.get(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                conn.close();
            }
        }
    }

    @Test
    void producerAndReader_onManyLoops_deliverEveryRecordInOrder() throws Exception {
        hub.createStream("s", 1);
        int count = 20_000;
        List<CompletableFuture<PutResult>> puts = new ArrayList<>(count);
        try (Producer p = Producer.create(
                manyLoops, hub.client(), ProducerOptions.defaults("s").withBatching(100, Duration.ofMillis(1), 8))) {
            for (int i = 0; i < count; i++) {
                puts.add(p.put("k", ("r" + i).getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < count; i++) {
                assertThat(puts.get(i).get(30, TimeUnit.SECONDS).sequence()).isEqualTo(i);
            }
        }
        try (ShardReader reader = ShardReader.open(
                manyLoops,
                hub.client(),
                ShardReaderOptions.of("s", "shard-000000", ReadPosition.trimHorizon())
                        .withCredit(500, 0))) {
            long next = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (next < count && System.nanoTime() < deadline) {
                for (ConsumerRecord r : reader.poll(Duration.ofMillis(200))) {
                    assertThat(r.sequence()).isEqualTo(next);
                    assertThat(r.record().getPayload().toStringUtf8()).isEqualTo("r" + next);
                    next++;
                }
            }
            assertThat(next).isEqualTo(count);
        }
    }
}
