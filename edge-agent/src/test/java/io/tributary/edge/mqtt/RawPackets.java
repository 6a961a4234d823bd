package io.tributary.edge.mqtt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-made MQTT packets, byte by byte, for tests of what Netty's builders cannot produce (repeated properties). */
final class RawPackets {

    private RawPackets() {}

    /** MQTT 5 CONNECT, clean start, keep-alive 60, no credentials, with the given property bytes (no length). */
    static byte[] connectV5(String clientId, byte[] properties) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(5);
        body.write(0x02);
        body.write(0);
        body.write(60);
        properties(body, properties);
        string(body, clientId);
        return packet(0x10, body.toByteArray());
    }

    /**
     * CONNECT of protocol {@code level} (4: 3.1.1, 5) with a QoS 0 will on {@code willTopic} (any text: Netty's
     * encoder refuses invalid ones) and a user name and password.
     */
    static byte[] connectWithWill(int level, String clientId, String willTopic, String user, String password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(level);
        body.write(0xC0 | 0x04 | 0x02); // user name, password, will flag, clean start
        body.write(0);
        body.write(60);
        if (level == 5) {
            properties(body, new byte[0]);
        }
        string(body, clientId);
        if (level == 5) {
            properties(body, new byte[0]); // will properties
        }
        string(body, willTopic);
        string(body, "gone");
        string(body, user);
        string(body, password);
        return packet(0x10, body.toByteArray());
    }

    /** MQTT 5 PUBLISH with the given property bytes (no length). */
    static byte[] publishV5(String topic, int qos, int packetId, byte[] properties, String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId);
        }
        properties(body, properties);
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x30 | qos << 1, body.toByteArray());
    }

    /** MQTT 3.1.1 PUBLISH. */
    static byte[] publish311(String topic, int qos, int packetId, String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId);
        }
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x30 | qos << 1, body.toByteArray());
    }

    /** MQTT 5 SUBSCRIBE of one filter with the given options byte and property bytes. */
    static byte[] subscribeV5(int packetId, byte[] properties, String filter, int options) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId);
        properties(body, properties);
        string(body, filter);
        body.write(options);
        return packet(0x82, body.toByteArray());
    }

    /** Bytes from ints, for property blocks: {@code bytes(0x23, 0, 0)} is Topic Alias 0. */
    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** A UTF-8 string property: id, length, bytes. */
    static byte[] stringProperty(int id, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(id);
        string(out, value);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static void properties(ByteArrayOutputStream body, byte[] properties) {
        varInt(body, properties.length);
        body.writeBytes(properties);
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    private static byte[] packet(int firstByte, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        varInt(out, body.length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static void varInt(ByteArrayOutputStream out, int value) {
        do {
            int digit = value & 0x7f;
            value >>>= 7;
            out.write(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }
}
