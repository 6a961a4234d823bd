package io.tributary.hub.epoch;

import io.tributary.protocol.Epochs;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The hub's table of producer epoch grants (like Kafka's InitProducerId): for every agent or producer id, the newest
 * grant handed out. A grant is a multiple of {@link #GRANT_UNIT} (2^32); the holder stamps its records with epochs in
 * {@code [grant, grant + 2^32)}, so records of two instances of one id — a wiped data dir, a clone, a restarted
 * producer — never share a de-duplication key.
 *
 * <p>Rules of {@link #claim} ({@link #decide}): an id that presents no grant (0) gets a new one, larger than every
 * grant the table ever gave to anyone and never below {@link #clockSeed}; it supersedes (fences) the id's earlier
 * holder. An id that presents the current grant keeps it. An id that presents an older grant is {@linkplain
 * Claim.Fenced fenced}. An id that presents a grant newer than the table knows (another hub gave it, or the table was
 * restored from a backup) is adopted, so the table only grows. A grant is durable before {@link #claim} returns it.
 *
 * <p>Implementations: {@link EpochGrants} (a log in the hub's data dir) and, in the module {@code store-pulsar}, a
 * table every hub over one Pulsar shares, so that a grant stays unique when an agent moves between hubs. A {@code
 * ShardStoreProvider} chooses it.
 *
 * <p>Threads: {@link #claim} may block on disk or network (call it off event loops); {@link #isCurrent} and {@link
 * #current} are lock-free reads for any thread.
 */
public interface GrantTable extends Closeable {

    /** Every grant is a multiple of this; the epochs a holder may use are {@code [grant, grant + GRANT_UNIT)}. */
    long GRANT_UNIT = Epochs.UNIT;

    /** The outcome of a {@link #claim}. */
    sealed interface Claim {
        /**
         * The caller holds {@code grant}.
         *
         * @param grant the grant to use
         * @param superseded the grant it fenced (the id's previous holder), 0 when none
         */
        record Granted(long grant, long superseded) implements Claim {}

        /**
         * The presented grant is older than the id's current one: the caller must stop.
         *
         * @param current the grant that fenced it
         */
        record Fenced(long current) implements Claim {}
    }

    /**
     * What a claim decides and what it must record first.
     *
     * @param claim the answer
     * @param record the grant to record durably for the id before answering; 0 when nothing changes
     */
    record Decision(Claim claim, long record) {}

    /**
     * Claims an epoch grant for {@code id}, which presents {@code presented} (0 for none).
     *
     * @throws IllegalArgumentException when {@code presented} is not a grant (not a positive multiple of 2^32)
     * @throws IOException when the grant could not be made durable; nothing was granted
     */
    Claim claim(String id, long presented) throws IOException;

    /** Whether {@code grant} is still {@code id}'s newest grant, as this hub knows. Any thread. */
    boolean isCurrent(String id, long grant);

    /** The id's newest grant as this hub knows, 0 when it has none. Any thread. */
    long current(String id);

    /** Every id's current grant (a copy). */
    Map<String, Long> snapshot();

    /**
     * Called after each grant this table records (new or adopted), once it is durable: must only hand off.
     * Replication sends grants to other regions with it.
     */
    void onRecorded(BiConsumer<String, Long> listener);

    /** Ids with a grant. */
    int size();

    /**
     * What is wrong with the table now, for {@code /health} (e.g. a shared table that no longer follows other hubs'
     * grants, so a grant superseded elsewhere may still pass as current here); empty when nothing is.
     */
    default List<String> problems() {
        return List.of();
    }

    /**
     * The rules of {@link #claim}, for every implementation: {@code previous} is the id's current grant (0: none),
     * {@code newest} the largest grant the table ever recorded.
     *
     * @throws IllegalArgumentException when {@code presented} is not a grant
     */
    static Decision decide(long previous, long newest, long presented, Clock clock) {
        if (presented != 0 && !Epochs.isGrant(presented)) {
            throw new IllegalArgumentException(
                    "epoch " + presented + " was not granted by a hub (grants are multiples of 2^32)");
        }
        if (presented == 0) {
            long grant = Math.max(newest + GRANT_UNIT, clockSeed(clock) * GRANT_UNIT);
            return new Decision(new Claim.Granted(grant, previous), grant);
        }
        if (presented == previous) {
            return new Decision(new Claim.Granted(presented, 0), 0);
        }
        if (presented < previous) {
            return new Decision(new Claim.Fenced(previous), 0);
        }
        return new Decision(new Claim.Granted(presented, previous), presented); // adopted
    }

    /**
     * The smallest grant (in units) the clock allows: seconds since 2023-11-14. Grants never go below it, so a grant
     * given after a table was lost or damaged stays above the ones it forgot unless more than one grant a second was
     * given before; and it stays far above the wall-clock epochs (milliseconds, about 410 units) that producers used
     * before grants existed. Good until about 2091.
     */
    static long clockSeed(Clock clock) {
        return Math.max(1, clock.millis() / 1000 - 1_700_000_000L);
    }
}
