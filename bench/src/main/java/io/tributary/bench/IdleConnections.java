package io.tributary.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Idle MQTT connections held open from this JVM: each sends a clean-session CONNECT (keep-alive 0, so the broker never
 * times it out) and reads its CONNACK, then stays silent. Opened one after another with plain sockets, bounded by a
 * deadline; the first failure (for example the open-files limit) stops the opening and is kept as {@link #failure}.
 * Not thread-safe.
 */
final class IdleConnections implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private String failure;

    private IdleConnections() {}

    /** Opens up to {@code count} connections to 127.0.0.1:{@code port} until {@code deadlineNanos} (nanoTime). */
    static IdleConnections open(int port, int count, long deadlineNanos) {
        IdleConnections idle = new IdleConnections();
        String prefix = "idle-" + ProcessHandle.current().pid() + "-";
        for (int i = 0; i < count; i++) {
            if (System.nanoTime() > deadlineNanos) {
                idle.failure = "deadline passed after " + i + " connections";
                break;
            }
            Socket s = new Socket();
            try {
                s.setSoTimeout(10_000);
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.getOutputStream().write(MqttBytes.connect(prefix + i, 0));
                byte[] ack = s.getInputStream().readNBytes(4);
                if (ack.length < 4) {
                    throw new IOException("connection closed before CONNACK");
                }
                if ((ack[0] & 0xff) != 0x20 || ack[3] != 0) {
                    throw new IOException("CONNACK refused, return code " + ack[3]);
                }
                idle.sockets.add(s);
            } catch (IOException | RuntimeException e) {
                idle.failure = "connection " + i + ": " + e.getMessage();
                closeQuietly(s);
                break;
            }
        }
        return idle;
    }

    int opened() {
        return sockets.size();
    }

    /** Why fewer than requested were opened, or null. */
    String failure() {
        return failure;
    }

    @Override
    public void close() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
