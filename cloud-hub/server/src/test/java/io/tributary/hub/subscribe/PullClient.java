package io.tributary.hub.subscribe;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.internal.FrameListener;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GetRecords;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.StartPosition;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Sends raw GetRecords and returns the answering frame (ReadResult or ReadError). */
final class PullClient implements AutoCloseable {
    private final HubConnection conn;
    private final Map<Long, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    PullClient(ClientResources resources, ClientOptions options) throws Exception {
        conn = HubConnection.connect(
                        resources,
                        options.endpoints().get(0),
                        options,
                        PeerRole.PEER_ROLE_CONSUMER,
                        "pull",
                        0,
                        new FrameListener() {
                            @Override
                            public void onFrame(HubConnection c, Frame f) {
                                long id = f.hasReadResult()
                                        ? f.getReadResult().getId()
                                        : f.getReadError().getId();
                                CompletableFuture<Frame> p = pending.remove(id);
                                if (p != null) {
                                    p.complete(f);
                                }
                            }

                            @Override
                            public void onClosed(HubConnection c, String reason) {}
                        })
                .get(5, TimeUnit.SECONDS);
    }

    Frame get(String stream, String shard, StartPosition position, int maxRecords, int maxBytes) throws Exception {
        long id = ids.incrementAndGet();
        CompletableFuture<Frame> f = new CompletableFuture<>();
        pending.put(id, f);
        conn.send(Frame.newBuilder()
                .setGetRecords(GetRecords.newBuilder()
                        .setRequestId(id)
                        .setStream(stream)
                        .setShardId(shard)
                        .setPosition(position)
                        .setMaxRecords(maxRecords)
                        .setMaxBytes(maxBytes))
                .build());
        return f.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        conn.close();
    }
}
