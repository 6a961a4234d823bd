package io.tributary.hub.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.tributary.protocol.Epochs;
import io.tributary.protocol.v1.ConnectionError;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One authenticated connection: who the peer is and a place for services to keep per-connection state.
 *
 * <p>Thread rules: {@link #send} and {@link #execute} may be called from any thread; the attribute map is concurrent.
 * Everything else is immutable after the handshake.
 */
public final class Session {
    private final Channel channel;
    private final String agentId;
    private final long agentEpoch;
    private final PeerRole role;
    private final long grantedEpoch;
    private final String clientName;
    private final long connectedMs;
    private volatile boolean fenced;
    private final Map<Class<?>, Object> attributes = new ConcurrentHashMap<>();

    Session(
            Channel channel,
            String agentId,
            long agentEpoch,
            PeerRole role,
            long grantedEpoch,
            String clientName,
            long connectedMs) {
        this.channel = channel;
        this.agentId = agentId;
        this.agentEpoch = agentEpoch;
        this.role = role;
        this.grantedEpoch = grantedEpoch;
        this.clientName = clientName;
        this.connectedMs = connectedMs;
    }

    /** What the peer said it runs (its hello's client name, such as {@code tributary-edge/1.0}); may be empty. */
    public String clientName() {
        return clientName;
    }

    /** When the handshake completed, hub clock (epoch milliseconds). */
    public long connectedMs() {
        return connectedMs;
    }

    public String agentId() {
        return agentId;
    }

    public long agentEpoch() {
        return agentEpoch;
    }

    public PeerRole role() {
        return role;
    }

    /**
     * The epoch grant of an agent or producer connection (its batches' epochs lie in {@code [grant, grant + 2^32)});
     * 0 for other roles.
     */
    public long grantedEpoch() {
        return grantedEpoch;
    }

    /** Whether {@code epoch} lies within this connection's grant. */
    public boolean holdsEpoch(long epoch) {
        return Epochs.covers(grantedEpoch, epoch);
    }

    /** Tells the peer it is fenced ({@code ConnectionError FENCED}) and closes the connection. Any thread. */
    public void fence(String message) {
        if (fenced) {
            return;
        }
        fenced = true;
        channel.writeAndFlush(Frame.newBuilder()
                        .setError(ConnectionError.newBuilder()
                                .setCode(ErrorCode.ERROR_CODE_FENCED)
                                .setMessage(message))
                        .build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    /** Writes and flushes a frame (from any thread). */
    public void send(Frame frame) {
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    /** Writes without flushing; call {@link #flush} after a burst. */
    public void write(Frame frame) {
        channel.write(frame, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    /** Runs a task on this session's event loop. */
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    public boolean inEventLoop() {
        return channel.eventLoop().inEventLoop();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    /** Stops or resumes reading from the peer (backpressure). Event loop only. */
    public void setAutoRead(boolean read) {
        channel.config().setAutoRead(read);
    }

    public void close() {
        channel.close();
    }

    /** Per-session state of a service, created on first use. */
    @SuppressWarnings("unchecked")
    public <T> T attribute(Class<T> type, java.util.function.Supplier<T> create) {
        return (T) attributes.computeIfAbsent(type, k -> create.get());
    }

    @Override
    public String toString() {
        return role + " " + agentId + (grantedEpoch == 0 ? "" : "/" + Long.toHexString(grantedEpoch)) + "@"
                + channel.remoteAddress();
    }
}
