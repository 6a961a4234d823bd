package io.tributary.hub.group;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.group.Checkpointer;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.client.group.RecordProcessor;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Child process of {@link ConsumerCrashIT}: one member of a consumer group whose processor prints what it does, one
 * line per event, flushed before it checkpoints (so everything a checkpoint covers has been printed):
 *
 * <ul>
 *   <li>{@code I <shard> <start>} when a processor starts on a lease ({@code start} is -1 from the trim horizon);
 *   <li>{@code R <shard> <sequence>} for each processed record;
 *   <li>{@code C <shard> <sequence>} after the hub accepted a checkpoint;
 *   <li>{@code L <shard> -1} when the lease was lost.
 * </ul>
 *
 * <p>Every line ends with {@code " ."}, so a line cut short by the kill is recognisable. It checkpoints after every {@code checkpointEvery} records of a shard, and exits by itself after {@link
 * #MAX_MILLIS} so a forgotten child cannot run forever. Arguments: hub port, stream, group, member id, checkpoint
 * interval in records, credit in records.
 */
public final class CrashConsumer {
    private static final long MAX_MILLIS = 60_000;
    private static final PrintStream OUT = new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);

    private CrashConsumer() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String stream = args[1];
        String group = args[2];
        String member = args[3];
        int checkpointEvery = Integer.parseInt(args[4]);
        int credit = Integer.parseInt(args[5]);
        ClientOptions client = ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .clientName(member)
                .build();
        GroupConsumerOptions options = new GroupConsumerOptions(
                stream, group, member, ReadPosition.trimHorizon(), Duration.ofMillis(200), credit);
        try (ClientResources resources = new ClientResources(1);
                GroupConsumer consumer =
                        GroupConsumer.start(resources, client, options, () -> new Printer(checkpointEvery))) {
            new CountDownLatch(1).await(MAX_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static void println(String line) {
        synchronized (OUT) {
            OUT.println(line);
        }
    }

    private static void flush() {
        synchronized (OUT) {
            OUT.flush();
        }
    }

    /** Prints every record and checkpoints every {@code every} records. */
    private static final class Printer implements RecordProcessor {
        private final int every;
        private String shard;
        private int sinceCheckpoint;

        Printer(int every) {
            this.every = every;
        }

        @Override
        public void initialize(String shardId, long startSequence) {
            shard = shardId;
            println("I " + shardId + " " + startSequence + " .");
            flush();
        }

        @Override
        public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {
            StringBuilder b = new StringBuilder(records.size() * 24);
            for (ConsumerRecord r : records) {
                b.append("R ").append(shard).append(' ').append(r.sequence()).append(" .\n");
            }
            synchronized (OUT) {
                OUT.print(b);
                OUT.flush();
            }
            sinceCheckpoint += records.size();
            if (sinceCheckpoint >= every) {
                long last = records.get(records.size() - 1).sequence();
                checkpointer.checkpoint(last);
                sinceCheckpoint = 0;
                println("C " + shard + " " + last + " .");
                flush();
            }
        }

        @Override
        public void leaseLost() {
            println("L " + shard + " -1 .");
            flush();
        }

        @Override
        public void shardEnded(Checkpointer checkpointer) {
            checkpointer.checkpoint();
        }

        @Override
        public void shutdownRequested(Checkpointer checkpointer) {
            // The test only ever kills this process.
        }
    }
}
