package io.tributary.hub.group;

import io.tributary.hub.fs.FramedLog;
import io.tributary.hub.group.CheckpointStore.Row;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The on-disk form of one {@link Row} of the {@link CheckpointStore} log (a {@link FramedLog} entry):
 *
 * <pre>
 *   body = int64 checkpoint ; int64 token ; int8 flags (bit 0: finished) ; str stream ; str group ; str shard
 *   str  = uint16 length ; UTF-8 bytes
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
final class CheckpointRows {
    static final int MIN_BODY = 8 + 8 + 1 + 3 * 2;
    static final int MAX_BODY = MIN_BODY + 3 * 65_535;

    private CheckpointRows() {}

    /** The framed entry of {@code r}. */
    static ByteBuffer entry(Row r) {
        byte[] stream = utf8(r.key().stream());
        byte[] group = utf8(r.key().group());
        byte[] shard = utf8(r.key().shardId());
        ByteBuffer body = ByteBuffer.allocate(MIN_BODY + stream.length + group.length + shard.length);
        body.putLong(r.checkpoint()).putLong(r.token()).put((byte) (r.ended() ? 1 : 0));
        for (byte[] s : List.of(stream, group, shard)) {
            body.putShort((short) s.length).put(s);
        }
        return FramedLog.frame(body.flip());
    }

    /** The bytes {@link #entry} takes in the log. */
    static int entrySize(Row r) {
        return FramedLog.FRAME_BYTES
                + MIN_BODY
                + utf8(r.key().stream()).length
                + utf8(r.key().group()).length
                + utf8(r.key().shardId()).length;
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 65_535) {
            throw new IllegalArgumentException("name longer than 65535 UTF-8 bytes");
        }
        return b;
    }

    /** The row in an entry's body, or null when the body is not one. */
    static Row parse(ByteBuffer body) {
        long checkpoint = body.getLong();
        long token = body.getLong();
        byte flags = body.get();
        String[] names = new String[3];
        for (int i = 0; i < 3; i++) {
            if (body.remaining() < 2) {
                return null;
            }
            int n = Short.toUnsignedInt(body.getShort());
            if (n > body.remaining()) {
                return null;
            }
            byte[] b = new byte[n];
            body.get(b);
            names[i] = new String(b, StandardCharsets.UTF_8);
        }
        if (body.hasRemaining()) {
            return null;
        }
        return new Row(new GroupShard(names[0], names[1], names[2]), checkpoint, token, (flags & 1) != 0);
    }
}
