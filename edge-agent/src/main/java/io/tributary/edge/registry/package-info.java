/**
 * The edge's device registry: what every device that published looks like from the gateway (group, last client,
 * first and last seen, publish count, latest value per metric), noted on the publish path and flushed every few
 * seconds to a journaled MapDB view off the heap.
 */
package io.tributary.edge.registry;
