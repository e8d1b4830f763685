package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (or Ctrl-C) to {@code rnx network run} stops its jobs and removes the network before rnx exits (found by
 * the outside pass: the jobs went, but the namespaces, nft table, bridge and state files stayed until the next run).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RnxNetworkRunStopsCleanlyTest {
    @TempDir
    Path tmp;

    @Test
    @NeedsRoot("to run real jobs on a private network")
    void sigtermLeavesNoNamespaceTableOrStateFileOfTheNetwork() throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Rnx.class.getName(),
                "network", "run", "rnx-term", "--cidr=10.231.43.0/24", "--service=svc=echo svc-up; exec sleep 600",
                "--job=a=echo started; exec sleep 600")).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        String owner = "joblet-" + p.pid() + "_";
        try {
            for (int i = 0; i < 1200 && !(Files.readString(out).contains("a | started")); i++) {
                assertThat(p.isAlive()).as("rnx still runs: %s", Files.readString(err)).isTrue();
                Thread.sleep(50);
            }
            assertThat(Files.readString(out)).contains("a | started");
            assertThat(entries("/run/netns", owner)).as("the network's namespaces while it runs").isNotEmpty();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("rnx ended after SIGTERM").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(Files.readString(err, StandardCharsets.UTF_8)).contains("removed the network");
        assertThat(entries("/run/netns", owner)).as("network namespaces left").isEmpty();
        assertThat(entries("/run/joblet/net", owner)).as("network state left").isEmpty();
        Process nft = new ProcessBuilder("nft", "list", "tables").redirectErrorStream(true).start();
        String tables = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        nft.waitFor();
        assertThat(tables).as("nft tables left").doesNotContain("joblet_" + p.pid() + "_");
    }

    private static List<String> entries(String dir, String prefix) throws Exception {
        if (!Files.isDirectory(Path.of(dir))) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            return s.map(e -> e.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
        }
    }
}
