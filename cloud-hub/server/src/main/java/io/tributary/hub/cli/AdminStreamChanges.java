package io.tributary.hub.cli;

import io.tributary.protocol.config.Durations;
import io.tributary.protocol.config.Sizes;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The {@code admin streams} commands that change a stream: create, split, merge, promote, set-ack. They answer the
 * stream's new description, printed by {@link AdminMain#show}.
 */
final class AdminStreamChanges {
    private AdminStreamChanges() {}

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a stream of N shards.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        AdminMain.Streams streams;

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

    @Command(
            name = "split",
            mixinStandardHelpOptions = true,
            description = "Splits an open shard into two children; the parent stays readable until retention.")
    static final class Split implements Callable<Integer> {
        @ParentCommand
        AdminMain.Streams streams;

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
        AdminMain.Streams streams;

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
        AdminMain.Streams streams;

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
        AdminMain.Streams streams;

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
}
