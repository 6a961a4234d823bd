package io.tributary.hub.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.json.Json;
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
        if (!s.getStore().isEmpty()) { // empty: a hub from before the field
            System.out.printf("  store %s  described by hub %s%n", s.getStore(), s.getHubId());
        }
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
            // -1: the hub cannot say (a shard another hub writes)
            String positions = sh.getNextSequence() < 0
                    ? "seq ?  ? bytes"
                    : "seq " + sh.getOldestSequence() + ".." + sh.getNextSequence() + "  " + sh.getRetainedBytes()
                            + " bytes";
            System.out.printf(
                    "  %-14s %-7s hash %016x..%016x  %s  %s%s%s%n",
                    sh.getShardId(),
                    sh.getOpen() ? "open" : "closed",
                    sh.getStartHash(),
                    sh.getEndHash(),
                    positions,
                    sh.getStatus(),
                    writer(sh),
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

    /** {@code "  writer <writer>"}, marked {@code (this hub)} on the hub that writes the shard; empty when unknown. */
    static String writer(ShardDescription sh) {
        if (sh.getWriter().isEmpty()) {
            return sh.getWrittenHere() ? "  writer this hub" : "";
        }
        return "  writer " + sh.getWriter() + (sh.getWrittenHere() ? " (this hub)" : "");
    }

    /** {@code admin streams ...} */
    @Command(
            name = "streams",
            mixinStandardHelpOptions = true,
            description =
                    "Create, describe, list, delete, split and merge streams; set their ack level; promote a replica.",
            subcommands = {
                AdminStreamChanges.Create.class,
                Describe.class,
                ListCmd.class,
                Delete.class,
                AdminStreamChanges.Split.class,
                AdminStreamChanges.Merge.class,
                AdminStreamChanges.Promote.class,
                AdminStreamChanges.SetAck.class
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

    public static void main(String[] args) {
        System.exit(Cli.execute("admin", new AdminMain(), args));
    }
}
