package io.tributary.edge.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.tributary.edge.state.Fields;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

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
            Fields.string(out, m.topic());
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
            Fields.bytes(out, m.payload());
        });
    }

    static byte[] clear(long seq, String topic) {
        return write(out -> {
            out.writeByte(CLEAR);
            out.writeLong(seq);
            Fields.string(out, topic);
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
        return Fields.string(b);
    }

    /** The message of a SET entry, as subscribers get it (retained, no publisher). */
    static LocalMessage message(ByteBuffer body) {
        ByteBuffer b = body.duplicate().position(9);
        String topic = Fields.string(b);
        int qos = b.get();
        long expiresAt = b.getLong();
        int n = b.getInt();
        MqttProperties props = n == 0 ? MqttProperties.NO_PROPERTIES : new MqttProperties();
        for (int i = 0; i < n; i++) {
            byte kind = b.get();
            if (kind == 'U') {
                props.add(new MqttProperties.UserProperty(Fields.string(b), Fields.string(b)));
                continue;
            }
            int id = b.getInt();
            switch (kind) {
                case 'I' -> props.add(new MqttProperties.IntegerProperty(id, b.getInt()));
                case 'S' -> props.add(new MqttProperties.StringProperty(id, Fields.string(b)));
                case 'B' -> props.add(new MqttProperties.BinaryProperty(id, Fields.bytes(b)));
                default -> throw new IllegalArgumentException("unknown property kind " + kind);
            }
        }
        return new LocalMessage(topic, Fields.bytes(b), qos, true, null, props, expiresAt);
    }

    private static void property(DataOutputStream out, MqttProperties.MqttProperty<?> p) throws IOException {
        if (p instanceof MqttProperties.UserProperties users) {
            for (MqttProperties.StringPair pair : users.value()) {
                out.writeByte('U');
                Fields.string(out, pair.key);
                Fields.string(out, pair.value);
            }
            return;
        }
        if (p instanceof MqttProperties.UserProperty user) {
            out.writeByte('U');
            Fields.string(out, user.value().key);
            Fields.string(out, user.value().value);
        } else if (p.value() instanceof Integer i) {
            out.writeByte('I');
            out.writeInt(p.propertyId());
            out.writeInt(i);
        } else if (p.value() instanceof String s) {
            out.writeByte('S');
            out.writeInt(p.propertyId());
            Fields.string(out, s);
        } else if (p.value() instanceof byte[] data) {
            out.writeByte('B');
            out.writeInt(p.propertyId());
            Fields.bytes(out, data);
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
}
