package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitionKeysTest {

    @Test
    void hash_knownXxh64Vectors_matchReference() {
        // Published XXH64 test vectors (seed 0): the hash is part of the stream format and must never drift.
        assertThat(PartitionKeys.hash("")).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(PartitionKeys.hash("abc")).isEqualTo(0x44BC2CF5AD770999L);
    }

    @Test
    void hash_sameKeyTwice_sameHash() {
        assertThat(PartitionKeys.hash("plant-7/sensor-42")).isEqualTo(PartitionKeys.hash("plant-7/sensor-42"));
    }

    @Test
    void hash_nonAsciiKey_hashesUtf8Bytes() {
        assertThat(PartitionKeys.hash("größe")).isNotEqualTo(PartitionKeys.hash("grosse"));
    }

    @Test
    void partitionKey_groupMode_ignoresDevice() {
        assertThat(KeyMode.GROUP.partitionKey("g", "d1")).isEqualTo("g");
        assertThat(KeyMode.GROUP_AND_DEVICE.partitionKey("g", "d1")).isEqualTo("g/d1");
    }
}
