package io.tributary.hub.client.spi;

/** The epoch grant of an agent or producer instance. Called on the session thread. */
public interface EpochGrant {
    /** The grant this instance holds, presented in every Hello; 0 before it has one. */
    long held();

    /**
     * The hub gave this instance its first grant (called only while {@link #held()} is 0). Store it so that it is
     * presented from now on — durably, if records are stamped with it — before returning; a thrown exception
     * fails the attempt, and the next one asks again.
     */
    void hold(long grant);
}
