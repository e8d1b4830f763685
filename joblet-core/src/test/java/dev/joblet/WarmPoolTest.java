package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Jobs started from prepared supervisors behave like cold ones, and a drained pool leaves nothing behind. */
@NeedsRoot("for namespaces and cgroups")
class WarmPoolTest {
    private final Joblet joblet = Joblet.create();

    @AfterEach
    void close() {
        joblet.close();
    }

    private WarmPool pool() {
        return joblet.warmPool();
    }

    /** Waits (bounded by the test's own patience, not asserted on time) until the pool has refilled. */
    private void awaitReady(int n) throws InterruptedException {
        for (int i = 0; i < 2_000 && pool().ready() < n; i++) {
            Thread.sleep(5);
        }
        assertThat(pool().ready()).isGreaterThanOrEqualTo(n);
    }

    private static List<Path> poolCgroups() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("/sys/fs/cgroup"), 9)) {
            // A pool's cgroups are named by the ids of the jobs they are for: any job cgroup of this JVM's.
            return s.filter(p -> Files.isDirectory(p) && p.getParent() != null && p.getParent().getFileName() != null
                    && p.getParent().getFileName().toString().startsWith("jvm-" + ProcessHandle.current().pid() + "-"))
                    .collect(Collectors.toList());
        } catch (java.io.UncheckedIOException e) {
            return poolCgroups(); // a directory went away while we walked
        }
    }

    @Test
    void pooledJobsRunWithTheirLimitsAndNamespaces() throws Exception {
        try (Job first = joblet.start(Joblet.builder().command("true").build())) { // asks the pool to fill
            first.await();
        }
        awaitReady(2);
        // The job's own view: new network namespace with lo only, PID 1, its cgroup's pids limit as asked.
        JobSpec spec = Joblet.builder().command("sh", "-c",
                "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; echo pid $$; cat /proc/self/cgroup | grep -c pids").pidsMax(7).build();
        try (Job job = joblet.start(spec)) {
            JobResult r = job.await();
            assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
            assertThat(job.stdout().text()).isEqualTo("lo\npid 1\n1\n");
        }
        awaitReady(1);
        // The prepared cgroup carries the job's id once claimed, as a cold job's does.
        try (Job job = joblet.start(Joblet.builder().command("sleep", "30").build())) {
            assertThat(Files.readString(Path.of("/proc/" + job.pid() + "/cgroup"))).contains(":pids:")
                    .containsPattern(":pids:/.*/" + job.id() + "\n");
        }
        awaitReady(1);
        // pids limit: 7 processes for the job (the supervisor is not counted against it).
        try (Job job = joblet.start(Joblet.builder().command("sh", "-c",
                "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait").pidsMax(7).build())) {
            JobResult r = job.await();
            assertThat(job.stderr().text()).contains("fork");
            assertThat(r.usage().pidsLimitHit()).isTrue();
        }
    }

    @Test
    void jobsRunAtTheJvmsPriorityThoughTheirSupervisorsWerePreparedAtTheLowest() throws Exception {
        String jvmNice = Files.readString(Path.of("/proc/self/stat")).replaceFirst("^.*\\) ", "").split(" ")[16];
        // Repeated equal starts: first from plain warm supervisors, then from ones whose root was built ahead.
        for (int i = 0; i < 5; i++) {
            try (Job j = joblet.start(Joblet.builder().command("sh", "-c", "sed 's/^.*) //' /proc/self/stat | cut -d' ' -f17").build())) {
                assertThat(j.await().isSuccess()).as(j.stderr().text()).isTrue();
                assertThat(j.stdout().text().strip()).as("the job's nice value, start %s", i).isEqualTo(jvmNice);
            }
            awaitReady(1);
        }
        assertThat(pool().readyWithRoot()).isPositive();
    }

    @Test
    void aFilterThatDeniesWhatPreparationNeedsAfterItStillGetsPreparedJobs() throws Exception {
        // The prepared child returns to the JVM's priority (setpriority) before its filter goes in, and a filter that
        // denies chdir goes in after the wait: both kinds of job run from prepared supervisors all the same.
        for (SeccompPolicy policy : List.of(SeccompPolicy.defaults().deny("setpriority"),
                SeccompPolicy.defaults().deny("chdir"))) {
            for (int i = 0; i < 4; i++) {
                try (Job job = joblet.start(Joblet.builder().command("sh", "-c", "grep Seccomp: /proc/self/status | tr -s '\t ' ' '")
                        .seccomp(policy).build())) {
                    assertThat(job.await().isSuccess()).as(policy + ": " + job.stderr().text()).isTrue();
                    assertThat(job.stdout().text()).isEqualTo("Seccomp: 2\n");
                }
                awaitReady(1);
            }
            assertThat(pool().readyWithRoot()).as("roots built ahead for %s", policy).isPositive();
        }
    }

    @Test
    void jobsWithDifferentTmpSizesEachKeepRootsBuiltForThem() throws Exception {
        // /tmp follows the memory limit and belongs to a root built ahead: jobs with and without a memory limit of
        // their own, started in turn, each have supervisors with their own root (neither finds only the other's,
        // which it would discard to start cold), and each job gets its own /tmp.
        JobSpec plain = Joblet.builder().command("sh", "-c", "grep ' /tmp ' /proc/mounts").build();
        JobSpec limited = plain.toBuilder().memory(MemorySize.ofMegabytes(256)).build();
        assertThat(plain.tmpSize()).isNotEqualTo(limited.tmpSize());
        for (JobSpec spec : List.of(plain, plain, limited, limited)) {
            try (Job j = joblet.start(spec)) {
                assertThat(j.await().isSuccess()).as(j.stderr().text()).isTrue();
            }
        }
        pool().drain();
        for (JobSpec spec : List.of(plain, limited)) {
            try (Job j = joblet.start(spec)) {
                assertThat(j.await().isSuccess()).as(j.stderr().text()).isTrue();
            }
        }
        awaitReady(4);
        assertThat(pool().readyWithRoot()).as("supervisors with a root built, for both").isEqualTo(4);
        for (JobSpec spec : List.of(plain, limited, plain, limited)) {
            try (Job j = joblet.start(spec)) {
                assertThat(j.await().isSuccess()).as(j.stderr().text()).isTrue();
                assertThat(j.stdout().text()).contains("size=" + spec.tmpSize().bytes() / 1024 + "k");
            }
        }
    }

    @Test
    void rootsBuiltAheadGetEachJobsOwnCommandHostnameWorkdirAndEnvAndStillDropPrivileges() throws Exception {
        // Two starts with the same root teach the pool to build that root ahead for the next ones.
        for (int i = 0; i < 2; i++) {
            try (Job j = joblet.start(Joblet.builder().command("true").build())) {
                j.await();
            }
        }
        pool().drain();
        try (Job j = joblet.start(Joblet.builder().command("true").build())) {
            j.await();
        }
        awaitReady(2);
        assertThat(pool().readyWithRoot()).as("supervisors with the root built").isEqualTo(2);
        for (int i = 0; i < 3; i++) {
            try (Job job = joblet.start(Joblet.builder().command("sh", "-c", "echo $(hostname) $(pwd) $X $(id -u) $$; cat /proc/self/status"
                    + " | grep -E '^(CapEff|Seccomp):' | tr -s '\t ' ' '").env("X", "x" + i).workdir("/tmp").build())) {
                assertThat(job.await().isSuccess()).as(job.stderr().text()).isTrue();
                // Each runs as its own host identity: the root built ahead was built for it.
                assertThat(job.hostUid()).isNotEqualTo(Security.NOBODY);
                assertThat(job.stdout().text()).isEqualTo("job-" + job.id().shortForm() + " /tmp x" + i
                        + " " + job.hostUid() + " 1\nCapEff: 0000000000000000\nSeccomp: 2\n");
            }
        }
        // The prepared children set the default hostname and installed their filter before the command: a job asking
        // for a hostname of its own gets it all the same (it starts cold), filtered as every job is.
        try (Job job = joblet.start(Joblet.builder().command("sh", "-c", "hostname; grep Seccomp: /proc/self/status | tr -s '\t ' ' '")
                .hostname("web-1").build())) {
            assertThat(job.await().isSuccess()).as(job.stderr().text()).isTrue();
            assertThat(job.stdout().text()).isEqualTo("web-1\nSeccomp: 2\n");
        }
        // Jobs named each their own way (as an engine names them) get their names and their filter too.
        for (int i = 0; i < 4; i++) {
            try (Job job = joblet.start(Joblet.builder().command("sh", "-c", "hostname; grep Seccomp: /proc/self/status | tr -s '\t ' ' '")
                    .hostname("h-" + i).build())) {
                assertThat(job.await().isSuccess()).as(job.stderr().text()).isTrue();
                assertThat(job.stdout().text()).isEqualTo("h-" + i + "\nSeccomp: 2\n");
            }
            awaitReady(1);
        }
        // A job whose root differs (no /proc masks) gets a correct root all the same (started cold).
        try (Job job = joblet.start(Joblet.builder().command("sh", "-c", "cat /proc/kallsyms | head -c 1 | wc -c").hardenedProc(false).build())) {
            assertThat(job.await().isSuccess()).as(job.stderr().text()).isTrue();
        }
    }

    @Test
    void aStoppedPooledJobReportsItsSignalAndAFailedOneLeavesNothing() throws Exception {
        try (Job first = joblet.start(Joblet.builder().command("true").build())) {
            first.await();
        }
        awaitReady(1);
        try (Job job = joblet.start(Joblet.builder().command("sleep", "30").build())) {
            JobResult r = job.stop(Duration.ZERO).get();
            assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
            assertThat(r.signal()).hasValue(9);
        }
        awaitReady(1);
        assertThatThrownBy(() -> joblet.start(Joblet.builder().command("nosuchcmd").build()))
                .isInstanceOfSatisfying(JobStartException.class, e -> assertThat(e.isCommandNotFound()).isTrue());
    }

    @Test
    void hostNetworkAndNoCgroupKindsAndDrainLeavesNothing() throws Exception {
        for (JobSpec spec : List.of(Joblet.builder().command("true").network(Network.HOST).build(),
                Joblet.builder().command("true").pidsMax(0).noMemoryLimit().build())) {
            joblet.start(spec).await();
            awaitReady(1);
            try (Job job = joblet.start(spec)) {
                assertThat(job.await().isSuccess()).isTrue();
            }
        }
        assertThat(poolCgroups()).isNotEmpty();
        joblet.close();
        HostTraces.drainSystemPools();
        assertThat(pool().ready()).isZero();
        assertThat(ProcessHandle.current().children().collect(Collectors.toList())).isEmpty();
        assertThat(poolCgroups()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("joblet-pool"));
    }

    @Test
    void sizeIsCheckedAndZeroTurnsThePoolOff() throws Exception {
        assertThatThrownBy(() -> JobletConfig.builder().warmPoolSize(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("warmPoolSize (-1) must be between 0 and 64");
        try (Joblet off = Joblet.create(JobletConfig.builder().warmPoolSize(0).build())) {
            try (Job job = off.start(Joblet.builder().command("true").build())) {
                assertThat(job.await().isSuccess()).isTrue();
            }
            Thread.sleep(50);
            HostTraces.drainSystemPools();
            assertThat(off.warmPool().ready()).isZero();
            assertThat(off.warmPool().hasFiller()).isFalse();
            assertThat(ProcessHandle.current().children().collect(Collectors.toList())).isEmpty();
        }
    }
}
