package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pure v2 only, with the JVM in a non-root cgroup that holds processes (the VM's {@code --cgroup}): creating a job
 * moves the JVM into {@code <own>/joblet-jvm} and enables the controllers below its old cgroup.
 */
@NeedsRoot("to create cgroups")
class NoInternalProcessesTest {

    @Test
    void theJvmMovesIntoALeafAndControllersAreEnabled() throws Exception {
        String own = Files.readString(Path.of("/proc/self/cgroup")).strip();
        try (CgroupDriver driver = CgroupDriver.detect()) {
            assumeTrue(driver.layout() == CgroupLayout.V2, "only on cgroup v2");
            assumeTrue(own.startsWith("0::/") && own.length() > 4 && !own.endsWith("/" + V2Driver.JVM_LEAF),
                    "only when the JVM starts in a non-root cgroup: " + own);
            Path ownDir = Path.of("/sys/fs/cgroup", own.substring(4));
            assertThat(Files.readString(ownDir.resolve("cgroup.procs"))).isNotBlank();

            JobCgroup job = driver.create("t-leaf-" + System.nanoTime(),
                    CgroupLimits.builder().memoryMaxBytes(64 << 20).pidsMax(10).cpuPercent(50).build());
            try {
                assertThat(Files.readString(Path.of("/proc/self/cgroup")).strip())
                        .isEqualTo(own + "/" + V2Driver.JVM_LEAF);
                assertThat(Files.readString(ownDir.resolve("cgroup.procs"))).isBlank();
                assertThat(Files.readString(ownDir.resolve("cgroup.subtree_control")))
                        .contains("cpu", "memory", "pids", "io", "cpuset");
                assertThat(job.v2Directory().orElseThrow()).startsWith(ownDir.resolve("joblet"));
                assertThat(Files.readString(job.v2Directory().orElseThrow().resolve("pids.max")).strip())
                        .isEqualTo("10");
            } finally {
                job.remove();
            }
        }
    }
}
