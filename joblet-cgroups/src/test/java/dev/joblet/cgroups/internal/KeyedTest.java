package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyedTest {

    @Test
    void numbersAndMax() {
        assertThat(Keyed.number(" 42\n")).isEqualTo(42);
        assertThat(Keyed.number("max\n")).isEqualTo(Long.MAX_VALUE);
        assertThat(Keyed.number("")).isEqualTo(-1);
    }

    @Test
    void flatKeyed() {
        String cpuStat = "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_throttled 3\nthrottled_usec 900\n";
        assertThat(Keyed.flat(cpuStat)).containsEntry("user_usec", 60L).containsEntry("nr_throttled", 3L);
        assertThat(Keyed.flat(cpuStat, "missing")).isEqualTo(-1);
    }

    @Test
    void nestedKeyedSumsDevices() {
        String ioStat = "254:0 rbytes=4096 wbytes=100 rios=1 wios=1 dbytes=0 dios=0\n8:0 rbytes=1 wbytes=2\n";
        assertThat(Keyed.sumNested(ioStat, "rbytes")).isEqualTo(4097);
        assertThat(Keyed.sumNested(ioStat, "wbytes")).isEqualTo(102);
        assertThat(Keyed.sumNested("", "wbytes")).isZero();
    }

    @Test
    void blkioSumsReadAndWriteButNotTotal() {
        String blkio = "254:0 Read 10\n254:0 Write 20\n254:0 Sync 30\n254:0 Total 30\n8:0 Write 5\nTotal 35\n";
        assertThat(Keyed.sumBlkio(blkio, "Read")).isEqualTo(10);
        assertThat(Keyed.sumBlkio(blkio, "Write")).isEqualTo(25);
    }

    @Test
    void pids() {
        assertThat(Keyed.pids("12\n 13\n\n")).containsExactly(12, 13);
        assertThat(Keyed.pids("")).isEmpty();
    }
}
