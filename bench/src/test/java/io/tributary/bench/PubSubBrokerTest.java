package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading the edge's heap in use from {@code jcmd GC.heap_info}, whichever collector the JVM picked. */
class PubSubBrokerTest {

    @Test
    void usedHeapBytes_g1_theHeapLineNotMetaspace() {
        String info = "12345:\n"
                + " garbage-first heap   total 262144K, used 23456K [0x00000000f0000000, 0x0000000100000000)\n"
                + "  region size 1024K, 3 young (3072K), 0 survivors (0K)\n"
                + " Metaspace       used 30000K, committed 30500K, reserved 1114112K\n"
                + "  class space    used 3000K, committed 3200K, reserved 1048576K\n";

        assertThat(PubSubBroker.usedHeapBytes(info)).isEqualTo(23456L * 1024);
    }

    @Test
    void usedHeapBytes_serial_bothGenerationsNotTheirSpaces() {
        String info = "12345:\n"
                + " def new generation   total 4928K, used 2416K [0x00000000f0000000, 0x00000000f0550000)\n"
                + "  eden space 4416K,  54% used [0x00000000f0000000, 0x00000000f025c000, 0x00000000f0450000)\n"
                + "  from space 512K,   0% used [0x00000000f0450000, 0x00000000f0450000, 0x00000000f04d0000)\n"
                + " tenured generation   total 10944K, used 5000K [0x00000000f5550000, 0x00000000f6000000)\n"
                + " Metaspace       used 30000K, committed 30500K, reserved 1114112K\n";

        assertThat(PubSubBroker.usedHeapBytes(info)).isEqualTo((2416L + 5000L) * 1024);
    }

    @Test
    void usedHeapBytes_noHeapLine_minusOne() {
        assertThat(PubSubBroker.usedHeapBytes("12345:\nCommand executed successfully\n"))
                .isEqualTo(-1);
    }
}
