package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcProcessTableTest {

    @Test
    void startTimeIsField22EvenWithParenthesesInTheCommand(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/stat"),
                "42 (a) b) (c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 1 2 3\n");
        ProcProcessTable table = new ProcProcessTable(proc);
        assertThat(table.startTime(42)).hasValue(987654);
        assertThat(table.startTime(43)).isEmpty();
    }

    @Test
    void pidNamespaceFromTheSymlink(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/pid"), Path.of("pid:[4026531836]"));
        assertThat(new ProcProcessTable(proc).pidNamespace()).isEqualTo(4026531836L);
    }

    @Test
    void theRealProcessTableKnowsThisJvm() {
        ProcProcessTable table = ProcProcessTable.system();
        assertThat(table.startTime(table.selfPid())).isPresent();
        assertThat(table.pidNamespace()).isPositive();
    }
}
