package io.tributary.edge.mqtt;

import io.tributary.edge.mqtt.pubsub.TopicFilters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link RetainedMessages} in a concurrent map on the heap: lost when the agent stops (used when the server has no
 * state directory; {@link DurableRetainedMessages} otherwise). A filter without wildcards is one lookup; a wildcard filter scans every retained
 * topic. Expired messages are removed when a scan meets them. Thread-safe.
 */
final class InMemoryRetainedMessages implements RetainedMessages {

    private final ConcurrentHashMap<String, LocalMessage> byTopic = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Void> retain(LocalMessage message) {
        if (message.payload().length == 0) {
            byTopic.remove(message.topic());
        } else {
            byTopic.put(message.topic(), message);
        }
        return DONE;
    }

    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public List<LocalMessage> matching(String filter, long nowMillis) {
        List<LocalMessage> result = new ArrayList<>();
        if (TopicFilters.isTopicName(filter)) {
            LocalMessage m = byTopic.get(filter);
            if (m != null) {
                keepIfLive(m, nowMillis, result);
            }
            return result;
        }
        for (LocalMessage m : byTopic.values()) {
            if (TopicFilters.matches(filter, m.topic())) {
                keepIfLive(m, nowMillis, result);
            }
        }
        return result;
    }

    private void keepIfLive(LocalMessage m, long nowMillis, List<LocalMessage> result) {
        if (m.expired(nowMillis)) {
            byTopic.remove(m.topic(), m);
        } else {
            result.add(m);
        }
    }

    @Override
    public int size() {
        return byTopic.size();
    }
}
