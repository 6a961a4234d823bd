package io.tributary.hub.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.group.Checkpointer;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.client.group.RecordProcessor;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./tributary consume}: reads a stream (every shard, parents before children) or, with {@code --group}, a
 * consumer group's share of it with checkpoints; prints one line per record or a stats line per second, and ends
 * with a JSON summary line.
 */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = {
            "Reads records from a hub stream and prints 'shard sequence partition-key record-id payload' per record,",
            "or with --stats one JSON line per second: records/s, records so far, lag_records and lag_ms (how far",
            "behind the newest record; with --group the group's lag over all its shards, as the hub reports it).",
            "Ends with one JSON summary line."
        })
public final class ConsumeMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HubClientMixin client;

    @Option(names = "--stream", required = true, description = "Stream to read.")
    String stream;

    @Option(names = "--group", description = "Consumer group: share the shards and checkpoint on the hub.")
    String group;

    @Option(
            names = "--from",
            defaultValue = "trim-horizon",
            description = "trim-horizon (default), latest, seq:N or time:ISO-8601 (without --group: every shard;"
                    + " with --group: shards without checkpoint).")
    String from;

    @Option(names = "--max", defaultValue = "0", description = "Stop after N records (0: no limit).")
    long max;

    @Option(names = "--idle-exit", defaultValue = "0", description = "Stop after S seconds without records.")
    long idleExit;

    @Option(
            names = "--stats",
            description = "Print a JSON line per second (records_per_s, records, lag_records, lag_ms) instead of the"
                    + " records.")
    boolean stats;

    @Option(
            names = "--skip-corrupt",
            description = "Skip stored batches that do not decode (damaged on the hub's disk): each is logged at ERROR"
                    + " and counted in the stats and summary. Without it, the first one ends the command with an error"
                    + " naming its shard and sequences. Not with --group.")
    boolean skipCorrupt;

    private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    private long count;
    private long windowCount;
    private final Set<String> shardsSeen = new HashSet<>();
    private final List<ShardReader> opened = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ReadPosition position;
        try {
            position = ReadPosition.parse(from);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (skipCorrupt && group != null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--skip-corrupt is not supported with --group");
        }
        long start = System.nanoTime();
        String error = null;
        try (ClientResources resources = ClientResources.create()) {
            ClientOptions options = client.options("tributary-consume");
            if (group == null) {
                error = readStream(resources, options, position);
            } else {
                error = readGroup(resources, options, position);
            }
        } catch (HubClientException e) {
            error = e.getMessage();
        }
        out.flush();
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        String failure = error;
        if (failure != null) {
            System.err.println("tributary consume: " + failure); // as admin and produce do; the JSON line says it too
        }
        System.out.println(Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("records", count);
            g.writeNumberField("shards", shardsSeen.size());
            g.writeNumberField("elapsed_ms", elapsedMs);
            if (failure != null) {
                g.writeStringField("error", failure);
            }
            writeCorrupt(g);
            g.writeEndObject();
        }));
        return error == null ? 0 : 1;
    }

    private String readStream(ClientResources resources, ClientOptions options, ReadPosition position)
            throws InterruptedException {
        StreamDescription d;
        try (AdminClient admin = AdminClient.connect(resources, options)) {
            d = admin.describeStream(stream);
        }
        Map<String, ShardDescription> byId = new HashMap<>();
        d.getShardsList().forEach(s -> byId.put(s.getShardId(), s));
        Set<String> ended = new HashSet<>();
        List<ShardReader> readers = new ArrayList<>();
        boolean latest = position.toProto().hasLatest();
        for (ShardDescription s : d.getShardsList()) {
            boolean root = s.getParentShardsList().stream().noneMatch(byId::containsKey);
            if (latest ? s.getOpen() : root) {
                readers.add(open(resources, options, s.getShardId(), position));
            }
        }
        long lastRecord = System.nanoTime();
        long lastStats = System.nanoTime();
        try {
            while (!done(lastRecord)) {
                boolean any = false;
                for (ShardReader r : List.copyOf(readers)) {
                    List<ConsumerRecord> records = r.poll(Duration.ofMillis(readers.size() > 1 ? 10 : 100));
                    any |= !records.isEmpty();
                    if (emit(records)) {
                        return null;
                    }
                    if (r.shardEnded()) {
                        ended.add(r.shardId());
                        readers.remove(r);
                        r.close();
                        for (String child : r.childShards()) {
                            ShardDescription c = byId.get(child);
                            boolean ready = c == null
                                    || c.getParentShardsList().stream()
                                            .allMatch(p -> ended.contains(p) || !byId.containsKey(p));
                            if (ready
                                    && readers.stream()
                                            .noneMatch(x -> x.shardId().equals(child))) {
                                readers.add(open(resources, options, child, ReadPosition.trimHorizon()));
                            }
                        }
                    }
                }
                if (any) {
                    lastRecord = System.nanoTime();
                }
                if (stats && System.nanoTime() - lastStats >= 1_000_000_000L) {
                    long behind = readers.stream()
                            .mapToLong(ShardReader::recordsBehind)
                            .sum();
                    long ms = readers.stream()
                            .mapToLong(ShardReader::millisBehind)
                            .max()
                            .orElse(0);
                    statsLine(behind, ms);
                    lastStats = System.nanoTime();
                }
            }
        } finally {
            readers.forEach(ShardReader::close);
        }
        return null;
    }

    private ShardReader open(ClientResources resources, ClientOptions options, String shardId, ReadPosition from) {
        ShardReader r = ShardReader.open(
                resources, options, ShardReaderOptions.of(stream, shardId, from).withSkipCorrupt(skipCorrupt));
        opened.add(r);
        return r;
    }

    /** With --skip-corrupt: what every reader opened so far skipped, as JSON fields. */
    /** With --skip-corrupt: what the readers skipped. */
    private void writeCorrupt(JsonGenerator g) throws IOException {
        if (!skipCorrupt) {
            return;
        }
        g.writeNumberField(
                "corrupt_batches_skipped",
                opened.stream().mapToLong(ShardReader::skippedCorruptBatches).sum());
        g.writeNumberField(
                "corrupt_records_skipped",
                opened.stream().mapToLong(ShardReader::skippedCorruptRecords).sum());
    }

    private String readGroup(ClientResources resources, ClientOptions options, ReadPosition position)
            throws InterruptedException {
        LinkedBlockingQueue<List<ConsumerRecord>> queue = new LinkedBlockingQueue<>(16);
        try (GroupConsumer consumer = GroupConsumer.start(
                resources,
                options,
                GroupConsumerOptions.of(stream, group).withInitialPosition(position),
                () -> new RecordProcessor() {
                    @Override
                    public void initialize(String shardId, long startSequence) {}

                    @Override
                    public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {
                        try {
                            queue.put(records);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        checkpointer.checkpoint();
                    }

                    @Override
                    public void leaseLost() {}

                    @Override
                    public void shardEnded(Checkpointer checkpointer) {
                        checkpointer.checkpoint();
                    }

                    @Override
                    public void shutdownRequested(Checkpointer checkpointer) {}
                })) {
            long lastRecord = System.nanoTime();
            long lastStats = System.nanoTime();
            while (!done(lastRecord)) {
                List<ConsumerRecord> records = queue.poll(100, TimeUnit.MILLISECONDS);
                if (records != null) {
                    lastRecord = System.nanoTime();
                    if (emit(records)) {
                        break;
                    }
                }
                if (stats && System.nanoTime() - lastStats >= 1_000_000_000L) {
                    groupStatsLine(resources, options);
                    lastStats = System.nanoTime();
                }
            }
            // Let processors blocked on a full queue finish.
            queue.clear();
        }
        return null;
    }

    /** A group's lag is the hub's to know (over every member's shards): asks it, as admin groups describe does. */
    private void groupStatsLine(ClientResources resources, ClientOptions options) {
        long behind = -1;
        long ms = -1;
        try (AdminClient admin = AdminClient.connect(resources, options)) {
            io.tributary.protocol.v1.GroupDescription g = admin.describeGroup(stream, group);
            behind = g.getShardsList().stream()
                    .mapToLong(io.tributary.protocol.v1.GroupShardLag::getLagRecords)
                    .sum();
            ms = g.getShardsList().stream()
                    .mapToLong(io.tributary.protocol.v1.GroupShardLag::getLagMs)
                    .max()
                    .orElse(0);
        } catch (HubClientException e) {
            // the stats line goes out without lag this second
        }
        statsLine(behind, ms);
    }

    private boolean done(long lastRecordNanos) {
        return (max > 0 && count >= max)
                || (idleExit > 0 && System.nanoTime() - lastRecordNanos > TimeUnit.SECONDS.toNanos(idleExit));
    }

    /** Prints records; returns true when --max is reached. */
    private boolean emit(List<ConsumerRecord> records) {
        for (ConsumerRecord r : records) {
            shardsSeen.add(r.shardId());
            count++;
            windowCount++;
            if (!stats) {
                out.print(r.shardId() + " " + r.sequence() + " " + r.partitionKey() + " " + r.recordId() + " "
                        + r.record()
                                .getPayload()
                                .toString(StandardCharsets.UTF_8)
                                .replace('\n', ' ') + "\n");
            }
            if (max > 0 && count >= max) {
                out.flush();
                return true;
            }
        }
        out.flush();
        return false;
    }

    private void statsLine(long behind, long ms) {
        out.println(Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("records_per_s", windowCount);
            g.writeNumberField("records", count);
            if (behind >= 0) {
                g.writeNumberField("lag_records", behind);
                g.writeNumberField("lag_ms", ms);
            }
            writeCorrupt(g);
            g.writeEndObject();
        }));
        out.flush();
        windowCount = 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute("consume", new ConsumeMain(), args));
    }
}
