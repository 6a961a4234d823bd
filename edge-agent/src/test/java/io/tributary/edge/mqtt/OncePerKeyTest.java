package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The log rate limit: each key once, and no more keys than its bound. */
class OncePerKeyTest {

    @Test
    void eachKeyOnce_upToTheBound() {
        OncePerKey once = new OncePerKey(2);
        assertThat(once.first("a")).isTrue();
        assertThat(once.first("a")).isFalse();
        assertThat(once.first("b")).isTrue();
        assertThat(once.first("c")).as("past the bound").isFalse();
        assertThat(once.first("b")).isFalse();
    }
}
