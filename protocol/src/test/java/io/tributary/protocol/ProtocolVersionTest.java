package io.tributary.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProtocolVersionTest {
    @Test
    void negotiate_overlappingRange_picksHighestCommon() {
        assertThat(ProtocolVersion.negotiate(1, 5)).hasValue(ProtocolVersion.CURRENT);
        assertThat(ProtocolVersion.negotiate(1, 1)).hasValue(1);
    }

    @Test
    void negotiate_singleValue_isReadAsExact() {
        assertThat(ProtocolVersion.negotiate(1, 0)).hasValue(1);
    }

    @Test
    void negotiate_disjointOrInvalidRange_refuses() {
        assertThat(ProtocolVersion.negotiate(ProtocolVersion.CURRENT + 1, ProtocolVersion.CURRENT + 3))
                .isEmpty();
        assertThat(ProtocolVersion.negotiate(0, 0)).isEmpty();
        assertThat(ProtocolVersion.negotiate(3, 2)).isEmpty();
    }
}
