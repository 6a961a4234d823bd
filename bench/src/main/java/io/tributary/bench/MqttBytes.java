package io.tributary.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Builds one MQTT 3.1.1 packet of known remaining length into a byte array. Single-threaded. */
final class MqttBytes {
    private final byte[] bytes;
    private int pos;

    MqttBytes(int firstByte, int remainingLength) {
        byte[] header = new byte[5];
        int n = 0;
        header[n++] = (byte) firstByte;
        int rl = remainingLength;
        do {
            int b = rl % 128;
            rl /= 128;
            header[n++] = (byte) (rl > 0 ? b | 0x80 : b);
        } while (rl > 0);
        bytes = Arrays.copyOf(header, n + remainingLength);
        pos = n;
    }

    /** A clean-session CONNECT without credentials. */
    static byte[] connect(String clientId, int keepAliveSeconds) {
        return connect(clientId, keepAliveSeconds, true);
    }

    /** A CONNECT without credentials; {@code cleanSession} false asks for a persistent session. */
    static byte[] connect(String clientId, int keepAliveSeconds, boolean cleanSession) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        MqttBytes p = new MqttBytes(0x10, 10 + 2 + id.length);
        p.string("MQTT".getBytes(StandardCharsets.US_ASCII));
        p.u8(4); // protocol level 3.1.1
        p.u8(cleanSession ? 0x02 : 0x00);
        p.u16(keepAliveSeconds);
        p.string(id);
        return p.bytes();
    }

    /** A SUBSCRIBE of one {@code filter} at {@code qos}. */
    static byte[] subscribe(int packetId, String filter, int qos) {
        byte[] f = filter.getBytes(StandardCharsets.UTF_8);
        MqttBytes p = new MqttBytes(0x82, 2 + 2 + f.length + 1);
        p.u16(packetId);
        p.string(f);
        p.u8(qos);
        return p.bytes();
    }

    /** A QoS 1 PUBLISH with the RETAIN flag and {@code payloadBytes} bytes of {@code 'r'}. */
    static byte[] retainedPublish(String topic, int packetId, int payloadBytes) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        MqttBytes p = new MqttBytes(0x33, 2 + t.length + 2 + payloadBytes);
        p.string(t);
        p.u16(packetId);
        p.fill((byte) 'r', payloadBytes);
        return p.bytes();
    }

    /** DISCONNECT. */
    static byte[] disconnect() {
        return new byte[] {(byte) 0xe0, 0};
    }

    void u8(int v) {
        bytes[pos++] = (byte) v;
    }

    void u16(int v) {
        bytes[pos++] = (byte) (v >>> 8);
        bytes[pos++] = (byte) v;
    }

    void string(byte[] s) {
        u16(s.length);
        append(s);
    }

    void append(byte[] b) {
        System.arraycopy(b, 0, bytes, pos, b.length);
        pos += b.length;
    }

    void fill(byte b, int n) {
        Arrays.fill(bytes, pos, pos + n, b);
        pos += n;
    }

    int position() {
        return pos;
    }

    byte[] bytes() {
        if (pos != bytes.length) {
            throw new IllegalStateException("packet has " + pos + " of " + bytes.length + " bytes");
        }
        return bytes;
    }
}
