package io.tributary.hub.store;

/**
 * Another hub writes the shard: a store that several hubs share (Pulsar's) lets one writer per shard at a time, and
 * this hub is not it. The hub answers an append with a redirect to {@link #writerEndpoint()} (a {@code NOT_HOME} nack);
 * the store takes the shard over by itself once that writer is gone. The local store never throws it.
 */
public final class ShardWrittenElsewhereException extends ShardUnavailableException {
    private final String writer;
    private final String writerEndpoint;

    /**
     * @param writer the writer as the store knows it, for people (e.g. {@code 10.0.0.5:7400, pid 4711, run 9f3a2c1b})
     * @param writerEndpoint the writing hub's {@code HOST:PORT} (its {@code advertised-endpoint}); empty when unknown
     */
    public ShardWrittenElsewhereException(ShardKey shard, String writer, String writerEndpoint, Throwable cause) {
        super(shard, "written by another hub: " + writer, cause);
        this.writer = writer;
        this.writerEndpoint = writerEndpoint;
    }

    /** The writer for people: endpoint and what tells two runs of one hub apart. */
    public String writer() {
        return writer;
    }

    /** The writing hub's {@code HOST:PORT}, where producers are sent; empty when the store could not learn it. */
    public String writerEndpoint() {
        return writerEndpoint;
    }
}
