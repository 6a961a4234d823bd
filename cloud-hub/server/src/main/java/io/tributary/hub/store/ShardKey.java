package io.tributary.hub.store;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identifies one shard of one stream. Both parts become directory names of the local store, so they are
 * restricted to {@code [A-Za-z0-9._-]}, 1 to 128 characters, and may not be {@code .} or {@code ..}.
 *
 * @param stream the stream name
 * @param shardId the shard id within the stream
 */
public record ShardKey(String stream, String shardId) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public ShardKey {
        requireName("stream", stream);
        requireName("shardId", shardId);
    }

    private static void requireName(String what, String value) {
        Objects.requireNonNull(value, what);
        if (!NAME.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(what + " must match [A-Za-z0-9._-]{1,128}: '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return stream + "/" + shardId;
    }
}
