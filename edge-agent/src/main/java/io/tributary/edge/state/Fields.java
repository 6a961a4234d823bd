package io.tributary.edge.state;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Length-prefixed fields of journal entries: {@code int32 length, bytes} (a string as its UTF-8 bytes). Shared by the
 * entry formats of the retained-message and session journals. Stateless.
 */
public final class Fields {
    private Fields() {}

    public static void string(DataOutputStream out, String s) throws IOException {
        bytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    public static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    public static String string(ByteBuffer b) {
        return new String(bytes(b), StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException when the length field does not fit what is left */
    public static byte[] bytes(ByteBuffer b) {
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("field of " + length + " bytes, " + b.remaining() + " left");
        }
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }
}
