/**
 * Durable state of the edge beside the record buffer: {@link io.tributary.edge.state.Journal}, a small CRC-checked
 * append-only file of state changes that is the source of truth for the MapDB views built from it
 * ({@link io.tributary.edge.state.MapDbView}: retained MQTT messages, persistent MQTT sessions), written by one
 * {@link io.tributary.edge.state.GroupCommitter} thread per journal. MapDB 3.1 does not survive SIGKILL reliably
 * (docs/architecture.md), so it is never trusted after a crash: what was acknowledged is in the journal.
 */
package io.tributary.edge.state;
