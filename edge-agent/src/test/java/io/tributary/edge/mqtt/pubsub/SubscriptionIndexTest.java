package io.tributary.edge.mqtt.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubscriptionIndexTest {

    private final SubscriptionIndex<String> index = new SubscriptionIndex<>();

    private Map<String, SubscriptionIndex.Matched> match(String topic) {
        return index.match(topic, null, s -> true);
    }

    @Test
    void overlappingSubscriptions_oneMatchWithMaxQosAndEveryIdentifier() {
        index.add("c", new Subscription("a/+", null, 0, false, false, 0, 1));
        index.add("c", new Subscription("a/#", null, 2, false, false, 0, 2));
        index.add("c", new Subscription("a/b", null, 1, false, false, 0, 0));
        Map<String, SubscriptionIndex.Matched> m = match("a/b");
        assertThat(m).containsOnlyKeys("c");
        assertThat(m.get("c").qos()).isEqualTo(2);
        assertThat(m.get("c").subscriptionIds()).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void noLocal_skipsThePublisherOnly() {
        index.add("me", new Subscription("t", null, 1, true, false, 0, 0));
        index.add("other", new Subscription("t", null, 1, true, false, 0, 0));
        assertThat(index.match("t", "me", s -> true)).containsOnlyKeys("other");
    }

    @Test
    void dollarTopics_notMatchedByLeadingWildcards() {
        index.add("all", Subscription.of("#", 0));
        index.add("plus", Subscription.of("+/x", 0));
        index.add("sys", Subscription.of("$SYS/#", 0));
        assertThat(match("$SYS/x")).containsOnlyKeys("sys");
        assertThat(match("a/x")).containsOnlyKeys("all", "plus");
    }

    @Test
    void sharedSubscription_spreadsRoundRobin_andPrefersAvailableMembers() {
        for (String member : List.of("m1", "m2", "m3")) {
            index.add(member, new Subscription("jobs/+", "g", 1, false, false, 0, 0));
        }
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picked.addAll(match("jobs/1").keySet());
        }
        assertThat(picked).hasSize(6).containsOnly("m1", "m2", "m3");
        assertThat(picked.stream().filter("m1"::equals).count()).isEqualTo(2);
        for (int i = 0; i < 5; i++) {
            assertThat(index.match("jobs/1", null, s -> !s.equals("m2")).keySet())
                    .doesNotContain("m2");
        }
    }

    @Test
    void replaceAndRemove_keepCountAndPruneTheTree() {
        assertThat(index.add("c", Subscription.of("a/b/c", 0))).isFalse();
        assertThat(index.add("c", Subscription.of("a/b/c", 1))).isTrue();
        assertThat(index.size()).isEqualTo(1);
        assertThat(match("a/b/c").get("c").qos()).isEqualTo(1);
        assertThat(index.remove("c", "a/b/c", null)).isTrue();
        assertThat(index.remove("c", "a/b/c", null)).isFalse();
        assertThat(index.size()).isZero();
        assertThat(match("a/b/c")).isEmpty();
    }

    @Test
    void manyFilters_matchFindsOnlyItsOwn() {
        for (int i = 0; i < 20_000; i++) {
            index.add("dev-" + i, Subscription.of("plant/" + i + "/+", 0));
        }
        index.add("all", Subscription.of("plant/#", 0));
        assertThat(match("plant/1234/temp")).containsOnlyKeys("dev-1234", "all");
        assertThat(index.size()).isEqualTo(20_001);
    }

    @Test
    void sharedGroup_membersJoiningAndLeaving_whileMatching_neverFails() throws Exception {
        index.add("stay", new Subscription("jobs", "g", 0, false, false, 0, 0));
        java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread churn = new Thread(() -> {
            try {
                for (int i = 0; i < 20_000; i++) {
                    index.add("m" + (i % 5), new Subscription("jobs", "g", 0, false, false, 0, 0));
                    index.remove("m" + ((i + 2) % 5), "jobs", "g");
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        churn.start();
        while (churn.isAlive()) {
            assertThat(match("jobs")).hasSize(1); // one member of the group, whoever it is
        }
        churn.join();
        assertThat(failure.get()).isNull();
    }
}
