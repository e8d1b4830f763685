package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.cgroups.TestProcesses;
import dev.joblet.testing.NeedsRoot;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** On this host's real cgroups: a dead owner's job cgroups are swept, a live owner's are kept. */
@NeedsRoot("to create cgroups")
class StaleSweeperTest {

    /** The real process table, but pretending this JVM is {@code pid}. */
    private static ProcessTable pretendingToBe(long pid) {
        ProcProcessTable real = ProcProcessTable.system();
        return new ProcessTable() {
            @Override
            public long selfPid() {
                return pid;
            }

            @Override
            public OptionalLong startTime(long p) {
                return real.startTime(p);
            }

            @Override
            public long pidNamespace() {
                return real.pidNamespace();
            }

            @Override
            public boolean kill(long p) {
                return real.kill(p);
            }
        };
    }

    private static CgroupDriver driverOwnedBy(long pid) throws Exception {
        return Drivers.detect(Files.readString(Path.of("/proc/self/mountinfo")),
                Files.readString(Path.of("/proc/self/cgroup")), Path.of("/"), NioCgroupFs.INSTANCE,
                pretendingToBe(pid));
    }

    @Test
    void sweepRemovesADeadOwnersJobsAndKeepsALiveOnes() throws Exception {
        Process liveOwner = new ProcessBuilder("sleep", "300").start();
        Process deadOwner = new ProcessBuilder("sleep", "300").start();
        CgroupDriver liveDriver = driverOwnedBy(liveOwner.pid());
        CgroupDriver deadDriver = driverOwnedBy(deadOwner.pid());
        JobCgroup live = liveDriver.create(TestProcesses.name("live"), CgroupLimits.none());
        JobCgroup stale = deadDriver.create(TestProcesses.name("stale"), CgroupLimits.builder().pidsMax(20).build());
        Process leftover = null;
        try (CgroupDriver real = CgroupDriver.detect()) {
            leftover = TestProcesses.startIn(stale, Redirect.DISCARD, "sleep", "300");
            deadOwner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            assertThat(real.sweepStale()).isGreaterThanOrEqualTo(1);

            for (Path procs : stale.procsFiles()) {
                assertThat(procs.getParent()).doesNotExist();
                assertThat(procs.getParent().getParent()).as("owner directory").doesNotExist();
            }
            assertThat(leftover.waitFor(10, TimeUnit.SECONDS)).as("leftover killed").isTrue();
            for (Path procs : live.procsFiles()) {
                assertThat(procs).exists();
            }
        } finally {
            if (leftover != null) {
                leftover.destroyForcibly();
            }
            stale.remove();
            live.remove();
            liveDriver.close();
            deadDriver.close();
            liveOwner.destroyForcibly();
            deadOwner.destroyForcibly();
        }
        for (Path procs : live.procsFiles()) {
            assertThat(procs.getParent().getParent()).as("owner directory after close").doesNotExist();
        }
    }
}
