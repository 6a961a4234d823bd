package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.testsupport.FaultyFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardOfflineTest {
    private static final ShardKey SICK = new ShardKey("s", "sick");
    private static final ShardKey HEALTHY = new ShardKey("s", "healthy");

    @TempDir
    Path dir;

    @Test
    void append_whenFsyncFails_takesOnlyThatShardOffline() {
        AtomicBoolean failing = new AtomicBoolean();
        FileChannelFactory files = (path, options) -> {
            FileChannel real = FileChannel.open(path, options);
            return path.toString().contains("sick") ? FaultyFileChannel.failingWhile(real, failing) : real;
        };
        try (LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(dir).build(), Clock.systemUTC(), new SimpleMeterRegistry(), files)) {
            store.open(SICK);
            store.open(HEALTHY);
            store.append(SICK, batch(0, 1)).join();
            failing.set(true);

            assertThatThrownBy(() -> store.append(SICK, batch(1, 1)).join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(ShardUnavailableException.class);

            ShardInfo info = store.info(SICK);
            assertThat(info.status()).isEqualTo(ShardStatus.OFFLINE);
            assertThat(info.cause()).contains("injected I/O failure");
            assertThatThrownBy(() -> store.read(SICK, 0, 10, 1000))
                    .isInstanceOf(ShardUnavailableException.class)
                    .hasMessageContaining("injected I/O failure");
            assertThatThrownBy(() -> store.append(SICK, batch(2, 1)).join())
                    .hasCauseInstanceOf(ShardUnavailableException.class);
            assertThat(store.append(HEALTHY, batch(0, 1)).join().baseSequence()).isZero();
            assertThat(store.read(HEALTHY, 0, 10, 1000).batches()).hasSize(1);
            assertThat(store.info(HEALTHY).status()).isEqualTo(ShardStatus.ONLINE);

            failing.set(false);
            assertThat(store.open(SICK).status()).isEqualTo(ShardStatus.ONLINE);
            assertThat(store.read(SICK, 0, 10, 1000).batches()).hasSize(1);
        }
    }
}
