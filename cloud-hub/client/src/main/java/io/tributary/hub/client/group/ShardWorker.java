package io.tributary.hub.client.group;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RecordProcessor} over one leased shard on its own thread: reads from after the checkpoint with a
 * {@link ShardReader}, delivers records, and ends with lease lost, shard end or shutdown.
 *
 * <p>Thread rules: the processor runs on this worker's thread only; {@link #stop} from any thread.
 */
final class ShardWorker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ShardWorker.class);

    enum Stop {
        NONE,
        LEASE_LOST,
        SHUTDOWN
    }

    private final GroupConsumer owner;
    private final String shardId;
    final long token;
    private final long checkpoint;
    private final RecordProcessor processor;
    private final ShardReader reader;
    private final Thread thread;
    private volatile Stop stop = Stop.NONE;
    private volatile boolean done;
    private long lastDelivered;

    ShardWorker(
            GroupConsumer owner,
            ClientResources resources,
            ClientOptions client,
            GroupConsumerOptions options,
            String shardId,
            long token,
            long checkpoint,
            boolean hasParents,
            RecordProcessor processor) {
        this.owner = owner;
        this.shardId = shardId;
        this.token = token;
        this.checkpoint = checkpoint;
        this.lastDelivered = checkpoint;
        this.processor = processor;
        ReadPosition from = checkpoint >= 0
                ? ReadPosition.afterSequence(checkpoint)
                : hasParents ? ReadPosition.trimHorizon() : options.initialPosition();
        this.reader = ShardReader.open(
                resources,
                client,
                ShardReaderOptions.of(options.stream(), shardId, from)
                        .withCredit(options.creditRecords(), 0)
                        .withLease(options.group(), token));
        this.thread = new Thread(this, "group-" + options.group() + "-" + shardId);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop(Stop why) {
        if (stop == Stop.NONE) {
            stop = why;
        }
    }

    boolean done() {
        return done;
    }

    void join(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
    }

    @Override
    public void run() {
        try {
            processor.initialize(shardId, checkpoint >= 0 ? checkpoint + 1 : -1);
            while (stop == Stop.NONE) {
                List<ConsumerRecord> records = reader.poll(Duration.ofMillis(100));
                if (!records.isEmpty() && stop == Stop.NONE) {
                    lastDelivered = records.get(records.size() - 1).sequence();
                    processor.processRecords(records, checkpointer(false));
                }
                if (reader.shardEnded() && stop == Stop.NONE) {
                    processor.shardEnded(checkpointer(true));
                    break;
                }
            }
            if (stop == Stop.LEASE_LOST) {
                processor.leaseLost();
            } else if (stop == Stop.SHUTDOWN) {
                processor.shutdownRequested(checkpointer(false));
            }
        } catch (CheckpointRefusedException e) {
            log.info("{}: {}", shardId, e.getMessage());
            processor.leaseLost();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("processor of {} failed; giving the shard up", shardId, e);
        } finally {
            reader.close();
            done = true;
            owner.workerDone(shardId, this);
        }
    }

    private Checkpointer checkpointer(boolean shardEnd) {
        return new Checkpointer() {
            @Override
            public void checkpoint() {
                owner.checkpoint(shardId, token, lastDelivered, shardEnd);
            }

            @Override
            public void checkpoint(long sequence) {
                owner.checkpoint(shardId, token, sequence, false);
            }
        };
    }
}
