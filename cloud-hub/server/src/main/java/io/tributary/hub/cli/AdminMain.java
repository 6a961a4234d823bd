package io.tributary.hub.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.config.Durations;
import io.tributary.protocol.config.Sizes;
import io.tributary.protocol.json.Json;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.protocol.v1.ReplicaLag;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ./tributary admin}: administers streams on a hub. Output: readable text, or with {@code --json} one JSON
 * document (one line) instead, for scripts; errors are one line on stderr either way.
 */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description = "Administers a Tributary hub: streams and shards.",
        subcommands = {AdminMain.Streams.class, AdminMain.Groups.class})
public final class AdminMain implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    HubClientMixin client;

    @Option(
            names = "--json",
            description =
                    "Print one JSON line (proto3 JSON mapping) instead of readable text; put it before the command.")
    boolean json;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'streams list'");
    }

    /** Runs {@code action} with a connected admin client, printing errors clearly; returns the exit code. */
    int withClient(Function<AdminClient, Integer> action) {
        try (ClientResources resources = ClientResources.create();
                AdminClient admin = AdminClient.connect(resources, client.options("tributary-admin"))) {
            return action.apply(admin);
        } catch (HubClientException e) {
            System.err.println("tributary admin: " + e.getMessage());
            if (json) {
                System.out.println(Json.write(g -> {
                    g.writeStartObject();
                    g.writeBooleanField("ok", false);
                    g.writeStringField("error", e.getMessage());
                    g.writeEndObject();
                }));
            }
            return 1;
        }
    }

    /** Runs an operation that answers a stream's description and prints it, readably or as JSON. */
    int show(Function<AdminClient, StreamDescription> op) {
        return withClient(a -> {
            StreamDescription s = op.apply(a);
            if (json) {
                System.out.println(json(s));
            } else {
                print(s);
            }
            return 0;
        });
    }

    /**
     * A protobuf message in the proto3 JSON mapping (protobuf's own printer: int64 as strings, enums by name), one
     * line. Embedded in larger documents with {@link com.fasterxml.jackson.core.JsonGenerator#writeRawValue}.
     */
    static String json(MessageOrBuilder m) {
        try {
            return JsonFormat.printer()
                    .omittingInsignificantWhitespace()
                    .preservingProtoFieldNames()
                    .print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static void print(StreamDescription s) {
        System.out.printf(
                "stream %s  key-mode %s  retention %s / %s bytes%n",
                s.getStream(),
                s.getKeyMode().name().replace("PARTITION_KEY_MODE_", "").toLowerCase(java.util.Locale.ROOT),
                s.getRetentionMs() == 0 ? "unlimited" : s.getRetentionMs() + " ms",
                s.getRetentionBytes() == 0 ? "unlimited" : String.valueOf(s.getRetentionBytes()));
        if (!s.getHomeRegion().isEmpty()) {
            System.out.printf(
                    "  home %s  generation %d  ack %s  regions %s%n",
                    s.getHomeRegion(),
                    s.getGeneration(),
                    s.getAckLevel().name().replace("ACK_LEVEL_", "").toLowerCase(java.util.Locale.ROOT),
                    s.getRegionsList().stream()
                            .map(r -> r.getRegion() + "=" + r.getEndpoint())
                            .collect(java.util.stream.Collectors.joining(", ")));
        }
        for (ShardDescription sh : s.getShardsList()) {
            System.out.printf(
                    "  %-14s %-7s hash %016x..%016x  seq %d..%d  %d bytes  %s%s%n",
                    sh.getShardId(),
                    sh.getOpen() ? "open" : "closed",
                    sh.getStartHash(),
                    sh.getEndHash(),
                    sh.getOldestSequence(),
                    sh.getNextSequence(),
                    sh.getRetainedBytes(),
                    sh.getStatus(),
                    sh.getParentShardsCount() == 0 ? "" : "  parents " + sh.getParentShardsList());
            for (ReplicaLag lag : sh.getReplicaLagList()) {
                System.out.printf(
                        "      replica %-10s at %d  behind %d records / %d ms  %.0f bytes/s  %s%n",
                        lag.getRegion(),
                        lag.getNextSequence(),
                        lag.getLagRecords(),
                        lag.getLagMs(),
                        lag.getBytesPerSecond(),
                        lag.getState());
            }
        }
    }

    /** {@code admin streams ...} */
    @Command(
            name = "streams",
            mixinStandardHelpOptions = true,
            description =
                    "Create, describe, list, delete, split and merge streams; set their ack level; promote a replica.",
            subcommands = {
                Create.class,
                Describe.class,
                ListCmd.class,
                Delete.class,
                Split.class,
                Merge.class,
                Promote.class,
                SetAck.class
            })
    static final class Streams implements Runnable {
        @Spec
        CommandSpec spec;

        @ParentCommand
        AdminMain admin;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a streams command, e.g. 'list'");
        }
    }

    /** {@code admin groups describe STREAM GROUP} */
    @Command(
            name = "groups",
            mixinStandardHelpOptions = true,
            description = "Consumer groups: leases, checkpoints and lag.",
            subcommands = {GroupDescribe.class})
    static final class Groups implements Runnable {
        @Spec
        CommandSpec spec;

        @ParentCommand
        AdminMain admin;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a groups command, e.g. 'describe'");
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Shows a group's shards and lag.")
    static final class GroupDescribe implements Callable<Integer> {
        @ParentCommand
        Groups groups;

        @Parameters(index = "0", paramLabel = "STREAM")
        String stream;

        @Parameters(index = "1", paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() {
            return groups.admin.withClient(a -> {
                io.tributary.protocol.v1.GroupDescription g = a.describeGroup(stream, group);
                if (groups.admin.json) {
                    System.out.println(json(g));
                    return 0;
                }
                System.out.printf("group %s on stream %s%n", g.getConsumerGroup(), g.getStream());
                for (io.tributary.protocol.v1.GroupShardLag s : g.getShardsList()) {
                    System.out.printf(
                            "  %-14s owner %-24s checkpoint %d  lag %d records / %d ms%n",
                            s.getShardId(),
                            s.getOwner().isEmpty() ? "-" : s.getOwner(),
                            s.getCheckpoint(),
                            s.getLagRecords(),
                            s.getLagMs());
                }
                return 0;
            });
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a stream of N shards.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Option(names = "--shards", defaultValue = "4", description = "Number of shards (default ${DEFAULT-VALUE}).")
        int shards;

        @Option(
                names = "--key-mode",
                defaultValue = "group",
                description = "group (default) or group-and-device: how records are spread over shards.")
        String keyMode;

        @Option(names = "--retention", defaultValue = "7d", description = "Keep records this long (0 = forever).")
        String retention;

        @Option(names = "--retention-bytes", defaultValue = "0", description = "Per shard, at most (0 = no limit).")
        String retentionBytes;

        @Option(
                names = "--replicas",
                paramLabel = "REGION=HOST:PORT",
                split = ",",
                description = "Replica regions and their hubs; the stream is homed in this hub's region.")
        List<String> replicas = List.of();

        @Option(
                names = "--ack",
                defaultValue = "local",
                description = "local (default): ack once durable at home; replicated: once durable in a replica too.")
        String ack;

        @Override
        public Integer call() {
            PartitionKeyMode mode =
                    switch (keyMode) {
                        case "group" -> PartitionKeyMode.PARTITION_KEY_MODE_GROUP;
                        case "group-and-device" -> PartitionKeyMode.PARTITION_KEY_MODE_GROUP_AND_DEVICE;
                        default ->
                            throw new CommandLine.ParameterException(
                                    spec.commandLine(), "--key-mode must be group or group-and-device");
                    };
            long ms = retention.equals("0") ? 0 : Durations.parse(retention).toMillis();
            long bytes = Sizes.parse(retentionBytes);
            CreateStream.Builder request = CreateStream.newBuilder()
                    .setStream(name)
                    .setShardCount(shards)
                    .setKeyMode(mode)
                    .setRetentionMs(ms)
                    .setRetentionBytes(bytes)
                    .setAckLevel(ackLevel(spec, ack));
            for (String r : replicas) {
                int eq = r.indexOf('=');
                if (eq < 1 || eq == r.length() - 1) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--replicas takes REGION=HOST:PORT, was " + r);
                }
                request.addReplicas(RegionEndpoint.newBuilder()
                        .setRegion(r.substring(0, eq))
                        .setEndpoint(r.substring(eq + 1)));
            }
            return streams.admin.show(a -> a.createStream(request.build()));
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Shows a stream and its shards.")
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Override
        public Integer call() {
            return streams.admin.show(a -> a.describeStream(name));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists streams.")
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand
        Streams streams;

        @Override
        public Integer call() {
            return streams.admin.withClient(a -> {
                List<StreamDescription> all = a.listStreams();
                if (!streams.admin.json) {
                    all.forEach(AdminMain::print);
                    return 0;
                }
                System.out.println(Json.write(g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("streams");
                    for (StreamDescription s : all) {
                        g.writeRawValue(json(s));
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }));
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a stream and all its data.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Override
        public Integer call() {
            return streams.admin.withClient(a -> {
                a.deleteStream(name);
                if (!streams.admin.json) {
                    System.out.println("deleted stream " + name);
                    return 0;
                }
                System.out.println(Json.write(g -> {
                    g.writeStartObject();
                    g.writeBooleanField("ok", true);
                    g.writeStringField("deleted", name);
                    g.writeEndObject();
                }));
                return 0;
            });
        }
    }

    @Command(
            name = "split",
            mixinStandardHelpOptions = true,
            description = "Splits an open shard into two children; the parent stays readable until retention.")
    static final class Split implements Callable<Integer> {
        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Parameters(index = "1", paramLabel = "SHARD")
        String shard;

        @Option(names = "--at", description = "First hash of the second child, as hex (default: the middle).")
        String at;

        @Override
        public Integer call() {
            long hash = at == null ? 0 : Long.parseUnsignedLong(at.replaceFirst("^0x", ""), 16);
            return streams.admin.show(a -> a.splitShard(name, shard, hash));
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true, description = "Merges two adjacent open shards.")
    static final class Merge implements Callable<Integer> {
        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Parameters(index = "1", paramLabel = "SHARD")
        String shard;

        @Parameters(index = "2", paramLabel = "ADJACENT_SHARD")
        String adjacent;

        @Override
        public Integer call() {
            return streams.admin.show(a -> a.mergeShards(name, shard, adjacent));
        }
    }

    static AckLevel ackLevel(CommandSpec spec, String text) {
        return switch (text) {
            case "local" -> AckLevel.ACK_LEVEL_LOCAL;
            case "replicated" -> AckLevel.ACK_LEVEL_REPLICATED;
            default ->
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--ack must be local or replicated, was " + text);
        };
    }

    @Command(
            name = "promote",
            mixinStandardHelpOptions = true,
            description = "Makes the hub given with --hub (a replica) the stream's home: a new generation. The old"
                    + " home refuses writes from then on and rejoins as a replica when it can be reached.")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Option(
                names = "--graceful",
                description = "Planned switchover: the home stops taking writes, this hub catches up, then takes over"
                        + " (nothing acknowledged is dropped even under ack local).")
        boolean graceful;

        @Override
        public Integer call() {
            return streams.admin.show(a -> a.promoteStream(name, graceful));
        }
    }

    @Command(name = "set-ack", mixinStandardHelpOptions = true, description = "Changes a stream's ack level (at home).")
    static final class SetAck implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        Streams streams;

        @Parameters(index = "0", paramLabel = "STREAM")
        String name;

        @Parameters(index = "1", paramLabel = "local|replicated")
        String level;

        @Override
        public Integer call() {
            AckLevel ack = ackLevel(spec, level);
            return streams.admin.show(a -> a.setAckLevel(name, ack));
        }
    }

    public static void main(String[] args) {
        System.exit(Cli.execute("admin", new AdminMain(), args));
    }
}
