package io.tributary.edge.registry;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The stored form of a {@link DeviceInfo} (a value of the registry's journaled map):
 *
 * <pre>
 * byte    version (1)
 * UTF     group, client id   (DataOutput's modified UTF-8)
 * int64   first seen, last seen (epoch ms), publishes
 * uint16  metric count, then per metric: UTF name, int64 time, bool truncated, uint16 length, bytes
 * </pre>
 *
 * The device id is the map's key. Stateless.
 */
final class DeviceCodec {
    private static final byte VERSION = 1;

    private DeviceCodec() {}

    static byte[] encode(DeviceInfo d) {
        try {
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream(64 + 32 * d.lastValues().size());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(d.group());
            out.writeUTF(d.clientId());
            out.writeLong(d.firstSeenMs());
            out.writeLong(d.lastSeenMs());
            out.writeLong(d.publishes());
            out.writeShort(d.lastValues().size());
            for (Map.Entry<String, DeviceInfo.LastValue> e : d.lastValues().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue().timeMs());
                out.writeBoolean(e.getValue().truncated());
                out.writeShort(e.getValue().bytes().length);
                out.write(e.getValue().bytes());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    /** @throws IllegalArgumentException when {@code value} is not a stored device */
    static DeviceInfo decode(String device, byte[] value) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(value))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("device " + device + ": unknown format version " + version);
            }
            String group = in.readUTF();
            String clientId = in.readUTF();
            long first = in.readLong();
            long last = in.readLong();
            long publishes = in.readLong();
            int metrics = in.readUnsignedShort();
            Map<String, DeviceInfo.LastValue> values = new HashMap<>();
            for (int i = 0; i < metrics; i++) {
                String metric = in.readUTF();
                long time = in.readLong();
                boolean truncated = in.readBoolean();
                byte[] b = new byte[in.readUnsignedShort()];
                in.readFully(b);
                values.put(metric, new DeviceInfo.LastValue(b, truncated, time));
            }
            return new DeviceInfo(device, group, clientId, first, last, publishes, values);
        } catch (IOException e) {
            throw new IllegalArgumentException("device " + device + ": damaged record: " + e, e);
        }
    }
}
