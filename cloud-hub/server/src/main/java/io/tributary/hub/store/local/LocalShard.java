package io.tributary.hub.store.local;

import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import java.util.concurrent.CompletableFuture;

/**
 * One opened shard of {@link LocalShardStore}: its log, writer and writer thread; or, when recovery failed, just the
 * cause (there is then nothing to read or write).
 *
 * <p>Threads: immutable after construction; safe to share.
 */
final class LocalShard {
    private final ShardKey key;
    private final ShardLog log;
    private final ShardWriter writer;
    private final Thread thread;
    private final ShardUnavailableException openFailure;

    private LocalShard(
            ShardKey key, ShardLog log, ShardWriter writer, Thread thread, ShardUnavailableException openFailure) {
        this.key = key;
        this.log = log;
        this.writer = writer;
        this.thread = thread;
        this.openFailure = openFailure;
    }

    /** Starts the writer thread of a recovered shard. */
    static LocalShard start(ShardKey key, ShardLog log, ShardWriter writer) {
        Thread thread = new Thread(writer, "tributary-shard-writer-" + key);
        // Daemon: a store that is never closed must not keep the JVM alive; durability never depends on close().
        thread.setDaemon(true);
        thread.start();
        return new LocalShard(key, log, writer, thread, null);
    }

    static LocalShard failed(ShardKey key, ShardUnavailableException cause) {
        return new LocalShard(key, null, null, null, cause);
    }

    boolean online() {
        return openFailure == null && log.online();
    }

    ShardLog log() {
        if (openFailure != null) {
            throw openFailure;
        }
        return log;
    }

    ShardWriter writer() {
        if (openFailure != null) {
            throw openFailure;
        }
        return writer;
    }

    /** Why the shard is offline: the error that took it offline or failed its opening; null while online. */
    Throwable offlineError() {
        return openFailure != null ? openFailure : log.offlineError();
    }

    ShardInfo info() {
        if (openFailure != null) {
            return new ShardInfo(key, 0, 0, 0, 0, ShardStatus.OFFLINE, openFailure.getMessage(), "");
        }
        return log.info();
    }

    /** Stops the writer after it has committed what is queued; completes when its files are closed. */
    CompletableFuture<Void> stop() {
        if (openFailure != null || !thread.isAlive()) {
            return CompletableFuture.completedFuture(null);
        }
        return writer.submit(new WriterCommand.Stop(new CompletableFuture<>())).future();
    }
}
