package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemorySizeTest {
    @Test
    void parsesAndPrintsBinaryUnits() {
        assertThat(MemorySize.parse("256m")).isEqualTo(MemorySize.ofMegabytes(256));
        assertThat(MemorySize.parse("1G")).isEqualTo(MemorySize.ofGigabytes(1));
        assertThat(MemorySize.parse("512KiB").bytes()).isEqualTo(512 * 1024);
        assertThat(MemorySize.parse("100").bytes()).isEqualTo(100);
        assertThat(MemorySize.ofMegabytes(256).toString()).isEqualTo("256 MiB");
        assertThat(MemorySize.ofBytes(1536).toString()).isEqualTo("1536 bytes");
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> MemorySize.parse("lots")).hasMessageContaining("memory size (lots)");
        assertThatThrownBy(() -> MemorySize.parse("-1m")).hasMessageContaining("must not be negative");
    }
}
