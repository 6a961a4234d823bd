package io.tributary.hub.stream;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One shard of a stream: its id, the inclusive hash range it owns, the shards it was split or merged from, and its
 * lifecycle. An open shard takes writes; a closed shard (a parent of a split or merge) stays readable until retention
 * removes it. Immutable; {@link #close(Instant)} returns a new version.
 *
 * @param id shard id, {@code shard-NNNNNN}, numbered in creation order within the stream
 * @param range hash range owned while open
 * @param parentIds ids of the shards this one replaced; empty for the initial shards
 * @param createdAt when the shard was created
 * @param closedAt when the shard was closed, empty while open
 */
public record ShardDefinition(
        String id, HashRange range, List<String> parentIds, Instant createdAt, Optional<Instant> closedAt) {

    private static final String PREFIX = "shard-";

    public ShardDefinition {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(closedAt, "closedAt");
        parentIds = List.copyOf(parentIds);
        number(id); // validates the id
    }

    /** A new open shard. */
    public static ShardDefinition open(int number, HashRange range, List<String> parentIds, Instant createdAt) {
        return new ShardDefinition(idOf(number), range, parentIds, createdAt, Optional.empty());
    }

    /** The id of shard {@code number}: {@code shard-000007} for 7. */
    public static String idOf(int number) {
        if (number < 0) {
            throw new StreamException(StreamException.Reason.INVALID, "shard number must be >= 0, was " + number);
        }
        return String.format("%s%06d", PREFIX, number);
    }

    /** The number in a shard id; the inverse of {@link #idOf(int)}. */
    public static int number(String id) {
        Objects.requireNonNull(id, "id");
        String digits = id.startsWith(PREFIX) ? id.substring(PREFIX.length()) : "";
        if (digits.length() < 6 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new StreamException(StreamException.Reason.INVALID, "malformed shard id '" + id + "'");
        }
        try {
            int n = Integer.parseInt(digits);
            if (!idOf(n).equals(id)) {
                throw new StreamException(StreamException.Reason.INVALID, "non-canonical shard id '" + id + "'");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new StreamException(StreamException.Reason.INVALID, "shard id out of range '" + id + "'", e);
        }
    }

    public int number() {
        return number(id);
    }

    public boolean isOpen() {
        return closedAt.isEmpty();
    }

    /** This shard, closed at {@code at}. */
    public ShardDefinition close(Instant at) {
        if (!isOpen()) {
            throw new StreamException(StreamException.Reason.SHARD_CLOSED, "shard " + id + " is already closed");
        }
        return new ShardDefinition(id, range, parentIds, createdAt, Optional.of(at));
    }
}
