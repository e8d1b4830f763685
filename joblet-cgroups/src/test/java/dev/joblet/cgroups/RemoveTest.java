package dev.joblet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link JobCgroup#remove()} on this host's real cgroups: the fast path (one rmdir per directory) for an empty
 * cgroup, and the careful path when the kernel refuses it (a process in some hierarchies only, a child cgroup).
 */
@NeedsRoot("to create cgroups")
class RemoveTest {
    private static CgroupDriver driver;

    @BeforeAll
    static void detect() throws CgroupException {
        driver = CgroupDriver.detect();
    }

    @AfterAll
    static void close() {
        driver.close();
    }

    private static List<Path> dirs(JobCgroup job) {
        List<Path> dirs = new ArrayList<>();
        for (Path procs : job.procsFiles()) {
            dirs.add(procs.getParent());
        }
        return dirs;
    }

    @Test
    void anEmptyCgroupIsRemovedAndStatsThenFail() throws Exception {
        JobCgroup job = driver.create(TestProcesses.name("rm-empty"), CgroupLimits.builder().pidsMax(8).build());
        assertThat(job.stats().pidsCurrent()).isZero();
        job.remove();
        for (Path dir : dirs(job)) {
            assertThat(dir).doesNotExist();
        }
        job.remove();
        org.assertj.core.api.Assertions.assertThatThrownBy(job::stats).isInstanceOf(CgroupException.class)
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void aProcessInTheLastDirectoryOnlyIsKilledAndAnOutsiderIsNot() throws Exception {
        JobCgroup job = driver.create(TestProcesses.name("rm-partial"), CgroupLimits.none());
        Process outsider = new ProcessBuilder("sleep", "60").start();
        try {
            List<Path> procs = job.procsFiles();
            Path last = procs.get(procs.size() - 1);
            // Joins the last hierarchy only: the fast path removes the others before it finds this one busy.
            Process p = new ProcessBuilder("sh", "-c", "echo $$ > '" + last + "' && exec sleep 60").start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readAllLines(last).contains(Long.toString(p.pid())) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(Files.readAllLines(last)).contains(Long.toString(p.pid()));

            job.remove();

            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(128 + 9);
            for (Path dir : dirs(job)) {
                assertThat(dir).doesNotExist();
            }
            assertThat(outsider.isAlive()).isTrue();
        } finally {
            outsider.destroyForcibly();
            job.remove();
        }
    }

    @Test
    void childCgroupsGoWithTheJobAndTheirProcessesAreKilled() throws Exception {
        JobCgroup job = driver.create(TestProcesses.name("rm-child"), CgroupLimits.none());
        try {
            List<Path> childProcs = new ArrayList<>();
            for (Path dir : dirs(job)) {
                Files.createDirectory(dir.resolve("child"));
                childProcs.add(dir.resolve("child/cgroup.procs"));
            }
            Files.createDirectory(dirs(job).get(0).resolve("child/grandchild"));
            StringBuilder join = new StringBuilder();
            for (Path f : childProcs) {
                join.append("echo $$ > '").append(f).append("' && ");
            }
            Process p = new ProcessBuilder("sh", "-c", join + "exec sleep 60").start();
            Path last = childProcs.get(childProcs.size() - 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readAllLines(last).contains(Long.toString(p.pid())) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(job.isPopulated()).isTrue();

            job.remove();

            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (Path dir : dirs(job)) {
                assertThat(dir).doesNotExist();
            }
        } finally {
            job.remove();
        }
    }
}
