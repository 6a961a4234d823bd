package io.tributary.hub.stream;

import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.protocol.v1.ShardFork;
import io.tributary.protocol.v1.StreamDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Where a stream lives: its home region (takes writes), every region that holds it with the hub that serves it there,
 * its generation (increases at every change of home), its ack level, and the fork points of past promotions.
 * Immutable. {@link #NONE} is a single-region stream (no replicas, home is whichever hub holds it).
 *
 * @param homeRegion the region that takes writes; empty for {@link #NONE}
 * @param generation 1 at creation, +1 at every promotion; 0 for {@link #NONE}
 * @param regions every region holding the stream, the home included, to its hub's {@code HOST:PORT}
 * @param ackLevel when the home acknowledges a batch
 * @param forks per promotion and shard: the new home's high-water mark when it was promoted
 */
public record Replication(
        String homeRegion, long generation, Map<String, String> regions, Ack ackLevel, List<Fork> forks) {

    /** A single-region stream. */
    public static final Replication NONE = new Replication("", 0, Map.of(), Ack.LOCAL, List.of());

    private static final Pattern REGION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern ENDPOINT = Pattern.compile("[^:\\s,]+:\\d{1,5}");

    /** When the home acknowledges a batch. */
    public enum Ack {
        /** Durable in the home region. */
        LOCAL,
        /** Durable in the home region and in at least one replica region. */
        REPLICATED;

        public AckLevel toProto() {
            return this == LOCAL ? AckLevel.ACK_LEVEL_LOCAL : AckLevel.ACK_LEVEL_REPLICATED;
        }

        /** UNSPECIFIED means {@link #LOCAL}. */
        public static Ack fromProto(AckLevel level) {
            return switch (level) {
                case ACK_LEVEL_UNSPECIFIED, ACK_LEVEL_LOCAL -> LOCAL;
                case ACK_LEVEL_REPLICATED -> REPLICATED;
                default -> throw new StreamException(StreamException.Reason.INVALID, "unknown ack level " + level);
            };
        }

        /** {@code local} or {@code replicated}, as the CLI spells it. */
        public static Ack parse(String text) {
            return switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "local" -> LOCAL;
                case "replicated" -> REPLICATED;
                default ->
                    throw new StreamException(
                            StreamException.Reason.INVALID, "ack level must be local or replicated, was " + text);
            };
        }
    }

    /** A promotion's fork point of one shard. */
    public record Fork(long generation, String shardId, long sequence) {}

    public Replication {
        regions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(regions));
        forks = List.copyOf(forks);
        if (!homeRegion.isEmpty()) {
            regions.keySet().forEach(Replication::validateRegion);
            if (!regions.containsKey(homeRegion)) {
                throw new StreamException(
                        StreamException.Reason.INVALID, "home region " + homeRegion + " is not among " + regions);
            }
            if (generation < 1) {
                throw new StreamException(StreamException.Reason.INVALID, "generation must be at least 1");
            }
            if (ackLevel == Ack.REPLICATED && regions.size() < 2) {
                throw new StreamException(
                        StreamException.Reason.INVALID, "ack level replicated needs at least one replica region");
            }
        }
    }

    /** A new replicated stream homed in {@code homeRegion} at {@code homeEndpoint}. */
    public static Replication create(
            String homeRegion, String homeEndpoint, Map<String, String> replicas, Ack ackLevel) {
        if (replicas.isEmpty()) {
            if (ackLevel == Ack.REPLICATED) {
                throw new StreamException(
                        StreamException.Reason.INVALID, "ack level replicated needs at least one replica region");
            }
            return NONE;
        }
        validateRegion(homeRegion);
        if (replicas.containsKey(homeRegion)) {
            throw new StreamException(
                    StreamException.Reason.INVALID, "replica region " + homeRegion + " is this hub's own region");
        }
        replicas.forEach((region, endpoint) -> {
            if (!ENDPOINT.matcher(endpoint).matches()) {
                throw new StreamException(
                        StreamException.Reason.INVALID,
                        "replica region " + region + ": endpoint must be HOST:PORT, was '" + endpoint + "'");
            }
        });
        Map<String, String> regions = new LinkedHashMap<>();
        regions.put(homeRegion, homeEndpoint);
        regions.putAll(replicas);
        return new Replication(homeRegion, 1, regions, ackLevel, List.of());
    }

    public static String validateRegion(String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "region '" + region + "' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        return region;
    }

    /** Whether the stream has replica regions. */
    public boolean replicated() {
        return !homeRegion.isEmpty();
    }

    /** Whether a hub of {@code region} takes writes: the home, or any hub of a single-region stream. */
    public boolean isHome(String region) {
        return !replicated() || homeRegion.equals(region);
    }

    /** The regions other than the home. */
    public List<String> replicaRegions() {
        return regions.keySet().stream().filter(r -> !r.equals(homeRegion)).toList();
    }

    public String homeEndpoint() {
        return regions.getOrDefault(homeRegion, "");
    }

    public Replication withAck(Ack level) {
        return new Replication(homeRegion, generation, regions, level, forks);
    }

    /** {@code region} becomes the home, one generation on, forking each shard at the given high-water marks. */
    public Replication promote(String region, Map<String, Long> highWaterMarks) {
        if (!regions.containsKey(region)) {
            throw new StreamException(
                    StreamException.Reason.INVALID, "region " + region + " does not hold a replica of the stream");
        }
        List<Fork> next = new ArrayList<>(forks);
        highWaterMarks.forEach((shard, hwm) -> next.add(new Fork(generation + 1, shard, hwm)));
        return new Replication(region, generation + 1, regions, ackLevel, next);
    }

    /**
     * Where a hub that last held generation {@code localGeneration} of the stream must cut {@code shardId}: the
     * smallest fork of any newer generation (what it holds beyond was never part of the newer homes' history).
     */
    public OptionalLong cutPoint(long localGeneration, String shardId) {
        return forks.stream()
                .filter(f -> f.generation() > localGeneration && f.shardId().equals(shardId))
                .mapToLong(Fork::sequence)
                .min();
    }

    void writeTo(StreamDescription.Builder b) {
        if (!replicated()) {
            return;
        }
        b.setHomeRegion(homeRegion).setGeneration(generation).setAckLevel(ackLevel.toProto());
        regions.forEach(
                (r, e) -> b.addRegions(RegionEndpoint.newBuilder().setRegion(r).setEndpoint(e)));
        forks.forEach(f -> b.addForks(ShardFork.newBuilder()
                .setGeneration(f.generation())
                .setShardId(f.shardId())
                .setSequence(f.sequence())));
    }

    static Replication readFrom(StreamDescription d) {
        if (d.getHomeRegion().isEmpty()) {
            return NONE;
        }
        Map<String, String> regions = new LinkedHashMap<>();
        d.getRegionsList().forEach(r -> regions.put(r.getRegion(), r.getEndpoint()));
        List<Fork> forks = d.getForksList().stream()
                .map(f -> new Fork(f.getGeneration(), f.getShardId(), f.getSequence()))
                .toList();
        return new Replication(d.getHomeRegion(), d.getGeneration(), regions, Ack.fromProto(d.getAckLevel()), forks);
    }
}
