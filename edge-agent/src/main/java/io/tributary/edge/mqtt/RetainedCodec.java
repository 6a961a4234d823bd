package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The entries of the retained-message journal ({@link DurableRetainedMessages}), also the values of its MapDB map.
 * Integers big-endian; strings and byte arrays as int32 length + bytes (strings UTF-8):
 *
 * <pre>
 * 1 SET       int64 seq ; string topic ; byte qos ; int64 expires-at millis (0: never) ;
 *             int32 n ; n × property ; int32 length ; payload
 *             property: byte kind ('I' int32 | 'S' string | 'B' bytes | 'U' string key, string value) ; int32 id
 *             before the value (absent for 'U')
 * 2 CLEAR     int64 seq ; string topic
 * 3 POSITION  int64 seq                       — first entry of a compacted journal
 * </pre>
 *
 * {@code seq} numbers changes 1, 2, 3, … in the order they were made durable; a compacted journal's SET entries keep
 * their own. An unknown type or a body that does not decode is corruption. Stateless, thread-safe.
 */
final class RetainedCodec {

    static final byte SET = 1;
    static final byte CLEAR = 2;
    static final byte POSITION = 3;

    private RetainedCodec() {}

    static byte[] set(long seq, LocalMessage m) {
        return write(out -> {
            out.writeByte(SET);
            out.writeLong(seq);
            string(out, m.topic());
            out.writeByte(m.qos());
            out.writeLong(m.expiresAtMillis());
            int n = 0;
            for (MqttProperties.MqttProperty<?> p : m.properties().listAll()) {
                n += p instanceof MqttProperties.UserProperties users
                        ? users.value().size()
                        : 1;
            }
            out.writeInt(n); // a group of User Properties is written as one 'U' entry per pair
            for (MqttProperties.MqttProperty<?> p : m.properties().listAll()) {
                property(out, p);
            }
            bytes(out, m.payload());
        });
    }

    static byte[] clear(long seq, String topic) {
        return write(out -> {
            out.writeByte(CLEAR);
            out.writeLong(seq);
            string(out, topic);
        });
    }

    static byte[] position(long seq) {
        return write(out -> {
            out.writeByte(POSITION);
            out.writeLong(seq);
        });
    }

    static byte type(ByteBuffer body) {
        return body.get(0);
    }

    static long seq(ByteBuffer body) {
        return body.getLong(1);
    }

    /** The topic of a SET or CLEAR entry. */
    static String topic(ByteBuffer body) {
        ByteBuffer b = body.duplicate().position(9);
        return string(b);
    }

    /** The message of a SET entry, as subscribers get it (retained, no publisher). */
    static LocalMessage message(ByteBuffer body) {
        ByteBuffer b = body.duplicate().position(9);
        String topic = string(b);
        int qos = b.get();
        long expiresAt = b.getLong();
        int n = b.getInt();
        MqttProperties props = n == 0 ? MqttProperties.NO_PROPERTIES : new MqttProperties();
        for (int i = 0; i < n; i++) {
            byte kind = b.get();
            if (kind == 'U') {
                props.add(new MqttProperties.UserProperty(string(b), string(b)));
                continue;
            }
            int id = b.getInt();
            switch (kind) {
                case 'I' -> props.add(new MqttProperties.IntegerProperty(id, b.getInt()));
                case 'S' -> props.add(new MqttProperties.StringProperty(id, string(b)));
                case 'B' -> props.add(new MqttProperties.BinaryProperty(id, bytes(b)));
                default -> throw new IllegalArgumentException("unknown property kind " + kind);
            }
        }
        return new LocalMessage(topic, bytes(b), qos, true, null, props, expiresAt);
    }

    private static void property(DataOutputStream out, MqttProperties.MqttProperty<?> p) throws IOException {
        if (p instanceof MqttProperties.UserProperties users) {
            for (MqttProperties.StringPair pair : users.value()) {
                out.writeByte('U');
                string(out, pair.key);
                string(out, pair.value);
            }
            return;
        }
        if (p instanceof MqttProperties.UserProperty user) {
            out.writeByte('U');
            string(out, user.value().key);
            string(out, user.value().value);
        } else if (p.value() instanceof Integer i) {
            out.writeByte('I');
            out.writeInt(p.propertyId());
            out.writeInt(i);
        } else if (p.value() instanceof String s) {
            out.writeByte('S');
            out.writeInt(p.propertyId());
            string(out, s);
        } else if (p.value() instanceof byte[] data) {
            out.writeByte('B');
            out.writeInt(p.propertyId());
            bytes(out, data);
        } else {
            throw new IllegalArgumentException("cannot store property " + p.propertyId());
        }
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        bytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static String string(ByteBuffer b) {
        return new String(bytes(b), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("field of " + length + " bytes, " + b.remaining() + " left");
        }
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }
}
