package io.tributary.hub;

import io.tributary.protocol.ProtocolVersion;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Hello;
import io.tributary.protocol.v1.PeerRole;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Optional;

/**
 * A deliberately plain, blocking client of the hub protocol over a {@link Socket}: it sends exactly the bytes or frames
 * a test asks for (well-formed or not) and reads frames back, with a read timeout so a silent hub fails the test
 * instead of hanging it. Not thread-safe; one test thread. Public for the ITs of store modules (the server's test jar).
 */
public final class RawLink implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private long grantedEpoch;

    private RawLink(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawLink connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        return new RawLink(s);
    }

    /**
     * Connects and completes the handshake as {@code agentId} presenting the epoch grant {@code grant} (0: ask for a new
     * one); fails the test unless the hub answers Welcome. {@link #epoch()} is the grant the hub answered.
     */
    public static RawLink handshake(int port, String agentId, long grant, Optional<String> token) throws IOException {
        RawLink link = connect(port);
        Frame reply = link.call(frame(hello(agentId, grant, token)));
        if (!reply.hasWelcome()) {
            link.close();
            throw new AssertionError("expected Welcome, got " + reply);
        }
        link.grantedEpoch = reply.getWelcome().getGrantedEpoch();
        return link;
    }

    /** The epoch grant of this connection: the epoch its batches carry. */
    public long epoch() {
        return grantedEpoch;
    }

    static Hello.Builder hello(String agentId, long epoch, Optional<String> token) {
        Hello.Builder h = Hello.newBuilder()
                .setMinVersion(ProtocolVersion.MIN_SUPPORTED)
                .setMaxVersion(ProtocolVersion.CURRENT)
                .setAgentId(agentId)
                .setAgentEpoch(epoch)
                .setRole(PeerRole.PEER_ROLE_AGENT)
                .setClientName("raw-link-test");
        token.ifPresent(h::setToken);
        return h;
    }

    static Frame frame(Hello.Builder hello) {
        return Frame.newBuilder().setHello(hello).build();
    }

    /** Writes a frame with its varint32 length prefix. */
    void send(Frame frame) throws IOException {
        frame.writeDelimitedTo(out);
        out.flush();
    }

    /** Writes raw bytes, framed or not. */
    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public Frame call(Frame frame) throws IOException {
        send(frame);
        return receive();
    }

    /** Reads the next frame; fails when the hub closes the connection first. */
    Frame receive() throws IOException {
        Frame f = Frame.parseDelimitedFrom(in);
        if (f == null) {
            throw new EOFException("hub closed the connection");
        }
        return f;
    }

    /** Whether the hub has closed the connection: the next read ends the stream (or the connection was reset). */
    boolean closedByHub() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true; // reset: closed with unread data on either side
        }
    }

    /**
     * Skips whatever the hub still sends and returns once it has closed the connection (end of stream or reset); a
     * hub that keeps it open fails with the read timeout.
     */
    void awaitClosedByHub() throws IOException {
        byte[] skip = new byte[8192];
        try {
            while (in.read(skip) >= 0) {
                // answers sent before the close
            }
        } catch (SocketException e) {
            // reset: closed with unread data on either side
        }
    }

    /** Stops sending (a half close), so the hub sees the end of the stream. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
