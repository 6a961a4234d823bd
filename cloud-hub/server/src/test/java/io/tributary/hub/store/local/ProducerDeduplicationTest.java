package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerGapException;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ProducerSequenceException;
import io.tributary.hub.store.ShardKey;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerDeduplicationTest {
    private static final ShardKey SHARD = new ShardKey("telemetry", "0");
    private static final ProducerKey AGENT = new ProducerKey("agent-7", "hi", 3);

    @TempDir
    Path dir;

    private LocalShardStore store;

    private void openStore() {
        store = new LocalShardStore(
                LocalStoreConfig.builder(dir)
                        .segmentMaxBytes(1024)
                        .producerWindow(4)
                        .build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());
        store.open(SHARD);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void append_sameRunTwice_storesOnceAndAnswersOriginalSequence() {
        openStore();
        AppendResult first = store.append(SHARD, batch(AGENT, 1, 0, 5)).join();

        AppendResult retry = store.append(SHARD, batch(AGENT, 1, 0, 5)).join();

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.baseSequence()).isEqualTo(first.baseSequence());
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(5);
    }

    @Test
    void append_runPartlyStored_failsWithProducerSequenceException() {
        openStore();
        store.append(SHARD, batch(AGENT, 1, 0, 5)).join();

        assertThatThrownBy(() -> store.append(SHARD, batch(AGENT, 2, 3, 5)).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ProducerSequenceException.class);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(5);
    }

    @Test
    void append_runSkippingAhead_failsRetriablyUntilTheMissingRunArrives() {
        openStore();
        store.append(SHARD, batch(AGENT, 1, 0, 5)).join();

        assertThatThrownBy(() -> store.append(SHARD, batch(AGENT, 3, 10, 5)).join())
                .hasCauseInstanceOf(ProducerGapException.class)
                .satisfies(e -> assertThat(((ProducerGapException) e.getCause()).retriable())
                        .isTrue());
        store.append(SHARD, batch(AGENT, 2, 5, 5)).join();
        AppendResult inOrder = store.append(SHARD, batch(AGENT, 3, 10, 5)).join();

        assertThat(inOrder.baseSequence()).isEqualTo(10);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(15);
    }

    @Test
    void append_unknownProducerStartingMidSequence_isAccepted() {
        openStore();
        assertThat(store.append(SHARD, batch(AGENT, 1, 500, 5)).join().baseSequence())
                .isZero();
    }

    @Test
    void lookupProducer_afterReopen_findsRunsStoredBeforeRestart() {
        openStore();
        for (int i = 0; i < 30; i++) {
            store.append(SHARD, batch(AGENT, i, i * 2L, 2)).join();
        }
        store.append(SHARD, batch(new ProducerKey("agent-7", "hi", 4), 99, 0, 1))
                .join();
        store.close();

        openStore();

        ProducerLookup recent = store.lookupProducer(SHARD, AGENT, 58, 59).join();
        assertThat(recent.outcome()).isEqualTo(ProducerLookup.Outcome.DUPLICATE);
        assertThat(recent.baseSequence()).isEqualTo(58);
        ProducerLookup old = store.lookupProducer(SHARD, AGENT, 0, 1).join();
        assertThat(old.outcome()).isEqualTo(ProducerLookup.Outcome.ALREADY_COVERED);
        assertThat(store.lookupProducer(SHARD, AGENT, 60, 61).join().outcome()).isEqualTo(ProducerLookup.Outcome.NEW);
        AppendResult retried = store.append(SHARD, batch(AGENT, 29, 58, 2)).join();
        assertThat(retried.duplicate()).isTrue();
        assertThat(retried.baseSequence()).isEqualTo(58);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(61);
    }
}
