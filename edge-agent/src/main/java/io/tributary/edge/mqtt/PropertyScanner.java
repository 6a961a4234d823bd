package io.tributary.edge.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import java.util.BitSet;
import java.util.List;

/**
 * Frames MQTT packets ahead of Netty's {@code MqttDecoder} and checks the one rule that decoder cannot: an MQTT 5
 * property other than User Property appearing twice in CONNECT (and its will properties), PUBLISH or SUBSCRIBE is a
 * Protocol Error (MQTT 5 §2.2.2.2, §3.1.2.11, §3.3.2.3, §3.8.2.1). Netty's {@code MqttProperties} keeps only the
 * last of two, so the duplicate is gone once decoded.
 *
 * <p>It also checks that topics and topic filters (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, both versions) are well-formed
 * UTF-8 without U+0000 ({@link IllFormedTopic}), which the decoder does not.
 *
 * <p>On a duplicate it fires a {@link Duplicate} user event (the connect or publish handler answers it), drops the
 * packet and discards everything after it. Anything it cannot parse (unknown property, truncated fields, packets
 * larger than the maximum) it passes on untouched, for the decoder to report as malformed or too large. Only the
 * headers are read; payloads are not copied. One instance per channel; event loop only.
 */
final class PropertyScanner extends ByteToMessageDecoder {

    /** A repeated property: {@code packet} is the MQTT packet type name, {@code propertyId} the repeated id. */
    record Duplicate(String packet, int propertyId) {}

    /**
     * A topic name or filter that is ill-formed UTF-8 or holds U+0000: a Malformed Packet (MQTT 5 §1.5.4; 3.1.1
     * §1.5.3: close the connection). Netty's decoder would turn the bad bytes into U+FFFD and let it through.
     */
    record IllFormedTopic(String packet) {}

    /**
     * Where Netty's MQTT codec keeps the version it read from CONNECT (its MqttCodecUtil is not public). Set here too
     * before refusing a CONNECT that never reaches the decoder, so that the encoder writes an MQTT 5 CONNACK.
     */
    static final AttributeKey<MqttVersion> NETTY_MQTT_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private static final int CONNECT = 1;
    private static final int PUBLISH = 3;
    private static final int SUBSCRIBE = 8;
    private static final int UNSUBSCRIBE = 10;
    private static final int USER_PROPERTY = 0x26;

    private final int maxPacketSize;
    private boolean v5;
    private boolean passThrough;
    private boolean discarding;

    PropertyScanner(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (passThrough) {
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        int start = in.readerIndex();
        if (in.readableBytes() < 2) {
            return;
        }
        int type = in.getUnsignedByte(start) >> 4;
        long remaining = 0;
        int headerLength = 1;
        for (int shift = 0; ; shift += 7) {
            if (headerLength > 4) {
                passThrough = true; // a malformed remaining length: the decoder reports it
                out.add(in.readRetainedSlice(in.readableBytes()));
                return;
            }
            if (in.readableBytes() <= headerLength) {
                return;
            }
            int digit = in.getUnsignedByte(start + headerLength++);
            remaining |= (long) (digit & 0x7f) << shift;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        if (remaining > maxPacketSize) {
            passThrough = true; // the decoder refuses it as too large; no point buffering it here
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        int frameLength = headerLength + (int) remaining;
        if (in.readableBytes() < frameLength) {
            return;
        }
        Fields fields = new Fields(in, start + headerLength, start + frameLength);
        Duplicate duplicate = null;
        String illFormed = null;
        try {
            duplicate = scan(type, in.getUnsignedByte(start), fields);
            illFormed = illFormedTopic(
                    type, in.getUnsignedByte(start), new Fields(in, start + headerLength, start + frameLength));
        } catch (IndexOutOfBoundsException e) {
            // truncated: leave it to the decoder
        }
        if (duplicate == null && illFormed != null) {
            discarding = true;
            in.skipBytes(in.readableBytes());
            ctx.fireUserEventTriggered(new IllFormedTopic(illFormed));
            return;
        }
        if (duplicate != null) {
            if (type == CONNECT) {
                ctx.channel().attr(NETTY_MQTT_VERSION).set(MqttVersion.MQTT_5);
            }
            discarding = true;
            in.skipBytes(in.readableBytes());
            ctx.fireUserEventTriggered(duplicate);
            return;
        }
        out.add(in.readRetainedSlice(frameLength));
    }

    private Duplicate scan(int type, int firstByte, Fields f) {
        if (type == CONNECT) {
            f.skipString(); // protocol name
            v5 = f.readByte() == 5;
            if (!v5) {
                return null;
            }
            int flags = f.readByte();
            f.skip(2); // keep alive
            int repeated = repeatedProperty(f);
            if (repeated < 0 && (flags & 0x04) != 0) {
                f.skipString(); // client id
                repeated = repeatedProperty(f); // will properties
            }
            return repeated < 0 ? null : new Duplicate("CONNECT", repeated);
        }
        if (!v5 || (type != PUBLISH && type != SUBSCRIBE)) {
            return null;
        }
        if (type == PUBLISH) {
            f.skipString(); // topic
            if ((firstByte & 0x06) != 0) {
                f.skip(2); // packet id
            }
        } else {
            f.skip(2);
        }
        int repeated = repeatedProperty(f);
        return repeated < 0 ? null : new Duplicate(type == PUBLISH ? "PUBLISH" : "SUBSCRIBE", repeated);
    }

    /** The packet's name when a topic of a PUBLISH, or a filter of a SUBSCRIBE or UNSUBSCRIBE, is ill-formed; else null. */
    private String illFormedTopic(int type, int firstByte, Fields f) {
        if (type == PUBLISH) {
            return f.wellFormedString() ? null : "PUBLISH";
        }
        if (type != SUBSCRIBE && type != UNSUBSCRIBE) {
            return null;
        }
        f.skip(2); // packet id
        if (v5) {
            f.skip(f.readVarInt()); // properties
        }
        while (f.position < f.end) {
            if (!f.wellFormedString()) {
                return type == SUBSCRIBE ? "SUBSCRIBE" : "UNSUBSCRIBE";
            }
            if (type == SUBSCRIBE) {
                f.skip(1); // subscription options
            }
        }
        return null;
    }

    /** Reads one property block; returns the first repeated id, or -1 (also when it meets an id it cannot skip). */
    private static int repeatedProperty(Fields f) {
        int length = f.readVarInt();
        int end = f.position + length;
        BitSet seen = new BitSet(64);
        while (f.position < end) {
            int id = f.readVarInt();
            if (id != USER_PROPERTY && seen.get(id)) {
                return id;
            }
            seen.set(id);
            if (!f.skipPropertyValue(id)) {
                return -1;
            }
        }
        return -1;
    }

    /** A read cursor over one frame; throws IndexOutOfBoundsException past its end. */
    private static final class Fields {
        private final ByteBuf buf;
        private final int end;
        private int position;

        Fields(ByteBuf buf, int position, int end) {
            this.buf = buf;
            this.position = position;
            this.end = end;
        }

        int readByte() {
            check(1);
            return buf.getUnsignedByte(position++);
        }

        void skip(int n) {
            check(n);
            position += n;
        }

        void skipString() {
            check(2);
            int length = buf.getUnsignedShort(position);
            position += 2;
            skip(length);
        }

        /** Reads a UTF-8 string field; false when it is ill-formed (overlong, surrogates, truncated) or holds U+0000. */
        boolean wellFormedString() {
            check(2);
            int length = buf.getUnsignedShort(position);
            position += 2;
            check(length);
            int from = position;
            position += length;
            if (buf.forEachByte(from, length, b -> b > 0) < 0) {
                return true; // printable ASCII and controls but U+0000: the common case, without a decoder
            }
            if (buf.indexOf(from, from + length, (byte) 0) >= 0) {
                return false;
            }
            java.nio.charset.CharsetDecoder utf8 = java.nio.charset.StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
            try {
                utf8.decode(buf.nioBuffer(from, length));
                return true;
            } catch (java.nio.charset.CharacterCodingException e) {
                return false;
            }
        }

        int readVarInt() {
            int value = 0;
            for (int i = 0; i < 4; i++) {
                int digit = readByte();
                value |= (digit & 0x7f) << (7 * i);
                if ((digit & 0x80) == 0) {
                    return value;
                }
            }
            throw new IndexOutOfBoundsException("variable byte integer longer than 4 bytes");
        }

        /** Skips the value of property {@code id} (MQTT 5 §2.2.2.2); false for an id MQTT 5 does not define. */
        boolean skipPropertyValue(int id) {
            switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> skip(1);
                case 0x13, 0x21, 0x22, 0x23 -> skip(2);
                case 0x02, 0x11, 0x18, 0x27 -> skip(4);
                case 0x0B -> readVarInt();
                case 0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> skipString(); // binary: same layout
                case 0x26 -> {
                    skipString();
                    skipString();
                }
                default -> {
                    return false;
                }
            }
            return true;
        }

        private void check(int n) {
            if (position + n > end) {
                throw new IndexOutOfBoundsException("field past the end of the packet");
            }
        }
    }
}
