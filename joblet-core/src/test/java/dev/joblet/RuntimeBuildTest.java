package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds python-3.11-ml for real from the host's Debian mirror into a fresh runtimes root (minutes), then runs the
 * seed's example in it. Packages are cached in /var/cache/joblet/debs between runs on one machine. Runs when
 * JOBLET_RUNTIME_BUILD_TESTS=1 (./test sets it).
 */
@NeedsRoot("to build a runtime with mmdebstrap")
@EnabledIfEnvironmentVariable(named = "JOBLET_RUNTIME_BUILD_TESTS", matches = "1",
        disabledReason = "takes minutes and the network: set JOBLET_RUNTIME_BUILD_TESTS=1")
class RuntimeBuildTest {
    private static final String SEED = "echo 'Starting processes...' && sleep 60 & echo 'Sleep started' && python3 -c "
            + "'import time; [print(f\"Python process {i}\") or time.sleep(1) for i in range(5)]' & echo 'Python started' "
            + "&& ps aux && echo 'Waiting for processes...' && wait";

    @Test
    void buildsPython311MlAndRunsTheSeedExampleInIt(@TempDir Path root) throws Exception {
        Runtimes store = Runtimes.at(root);
        RuntimeInstaller installer = RuntimeInstaller.into(store).withCache(Path.of("/var/cache/joblet/debs"));
        List<String> log = new ArrayList<>();
        RuntimeInstaller.Result built = installer.install("python-3.11-ml", false, log::add);
        assertThat(built.built()).isTrue();
        assertThat(log).anyMatch(l -> l.contains("success"));
        assertThat(store.validate("python-3.11-ml")).isEmpty();
        assertThat(store.names()).containsExactly("python-3.11-ml");
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".build-"));
        }
        System.err.printf("RuntimeBuildTest: python-3.11-ml built in %.1f s, %.1f MiB%n", built.took().toMillis() / 1000.0,
                built.sizeBytes() / 1048576.0);

        RuntimeInstaller.Result again = installer.install("python-3.11-ml", false, log::add);
        assertThat(again.built()).as("a re-install of a valid runtime does nothing").isFalse();

        JobRuntime rt = JobRuntime.directory(store.info("python-3.11-ml").orElseThrow().rootfs());
        try (Job job = Joblet.builder().runtime(rt)
                .command("python3", "-c", "import numpy, pandas, sklearn; print(numpy.__version__)").start()) {
            JobResult r = job.await(Duration.ofMinutes(2)).orElseThrow();
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            assertThat(job.stdout().text()).startsWith("1.");
        }
        try (Job job = Joblet.builder().runtime(rt).command("bash", "-c", SEED).start()) {
            JobResult r = job.await(Duration.ofMinutes(3)).orElseThrow();
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            assertThat(job.stdout().text()).contains("Sleep started").contains("Python started")
                    .contains("Waiting for processes...").contains("Python process 4").containsPattern("job +1 .*bash -c");
        }
    }
}
