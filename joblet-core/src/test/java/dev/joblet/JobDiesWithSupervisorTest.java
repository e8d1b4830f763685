package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Whatever kills a job's supervisor, the whole job dies with it (the kernel's parent-death signal, armed again after
 * the job's id change), {@link Job#await()} reports {@link EndReason#SUPERVISOR_DIED}, {@link Job#close()} returns
 * promptly and nothing of the job is left: no process of its PID namespace, no cgroup. Bounds are hang guards.
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and cgroups")
class JobDiesWithSupervisorTest {
    /** This class's own instance: its pools and jobs end with it (nothing carries over to other classes). */
    private final Joblet joblet = Joblet.create();
    /** One without warm supervisors: its jobs start cold. */
    private final Joblet cold = Joblet.create(JobletConfig.builder().warmPoolSize(0).build());

    @org.junit.jupiter.api.AfterEach
    void closeJoblet() {
        joblet.close();
        cold.close();
    }

    private static final Duration GUARD = Duration.ofSeconds(10);

    /** The job's PID 1's parent: its supervisor. */
    private static int supervisorOf(Job job) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + job.pid() + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    /**
     * A process of the job's namespace that still runs: present and not a zombie (a PID 1 orphaned by its supervisor
     * is the host init's to reap; some inits, as on these build VMs, never reap orphans).
     */
    private static boolean runsIn(String ns, long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X' && ns.equals(pidNamespace(pid));
        } catch (IOException e) {
            return false;
        }
    }

    private static String pidNamespace(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** The host PIDs of every process in the job's PID namespace. */
    private static List<Long> processesOf(Job job) throws IOException {
        String ns = pidNamespace(job.pid());
        assertThat(ns).isNotEmpty();
        List<Long> pids = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.chars().allMatch(Character::isDigit) && ns.equals(pidNamespace(Long.parseLong(n)))) {
                    pids.add(Long.parseLong(n));
                }
            }
        }
        return pids;
    }

    /** The job's pids cgroup directory (on this hybrid host: under /sys/fs/cgroup/pids), or empty without one. */
    private static Optional<Path> cgroupOf(Job job) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + job.pid() + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f[2].contains(job.id())) {
                Path root = f[1].isEmpty() ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup", f[1].replace("name=", ""));
                return Optional.of(Path.of(root + f[2]));
            }
        }
        return Optional.empty();
    }

    private static void awaitOutput(Job job, String text) throws InterruptedException {
        for (int i = 0; i < 2_000 && !job.stdout().text().contains(text); i++) {
            Thread.sleep(5);
        }
        assertThat(job.stdout().text()).as("the job got ready").contains(text);
    }

    private void awaitPool() throws InterruptedException {
        for (int i = 0; i < 2_000 && joblet.warmPool().ready() < 1; i++) {
            Thread.sleep(5);
        }
        assertThat(joblet.warmPool().ready()).as("a prepared supervisor").isPositive();
    }

    /** SIGKILLs the job's supervisor and checks that everything of the job goes and the end is reported. */
    private static void killSupervisorAndCheck(Job job, int processes, boolean cgroup) throws Exception {
        int supervisor = supervisorOf(job);
        List<Long> pids = processesOf(job);
        assertThat(pids).as("the job's processes").hasSize(processes);
        Optional<Path> dir = cgroupOf(job);
        assertThat(dir.isPresent()).as("the job has a cgroup: %s", dir).isEqualTo(cgroup);
        String ns = pidNamespace(job.pid());

        assertThat(ProcessHandle.of(supervisor).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL, our own child
        JobResult r = job.await(GUARD).orElseThrow(() -> new AssertionError("await() did not return"));
        assertThat(r.reason()).isEqualTo(EndReason.SUPERVISOR_DIED);
        assertThat(r.message()).contains("supervisor (pid " + supervisor + ") was killed by signal 9");
        assertThat(r.exitCode()).isEmpty();
        // Its output ends as its processes close their fds, a moment before they are zombies.
        for (int i = 0; i < 1_000 && pids.stream().anyMatch(p -> runsIn(ns, p)); i++) {
            Thread.sleep(5);
        }
        assertThat(pids).as("no process of the job is left").noneMatch(p -> runsIn(ns, p));
        long t0 = System.nanoTime();
        job.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("close() is prompt").isLessThan(GUARD);
        if (dir.isPresent()) {
            assertThat(dir.get()).as("the job's cgroup is removed").doesNotExist();
        }
    }

    @Test
    void aColdJobDiesWithItsSupervisor() throws Exception {
        try (Job job = cold.start(Joblet.builder().command("sleep", "30").build())) {
            assertThat(Files.readString(Path.of("/proc/" + supervisorOf(job) + "/cgroup"))).doesNotContain(job.id());
            killSupervisorAndCheck(job, 1, true);
        }
    }

    @Test
    void aJobOfTheWarmPoolDiesWithItsSupervisor() throws Exception {
        try (Job first = joblet.start(Joblet.builder().command("true").build())) { // asks the pool to fill
            first.await();
        }
        awaitPool();
        try (Job job = joblet.start(Joblet.builder().command("sleep", "30").build())) {
            // A prepared supervisor sits in its job's cgroup.
            assertThat(Files.readString(Path.of("/proc/" + supervisorOf(job) + "/cgroup"))).contains(job.id());
            killSupervisorAndCheck(job, 1, true);
        }
    }

    @Test
    void aJobWithoutACgroupDiesWithItsSupervisor() throws Exception {
        for (boolean pooled : List.of(false, true)) {
            Joblet on = pooled ? joblet : cold;
            if (pooled) {
                try (Job first = joblet.start(Joblet.builder().pidsMax(0).noMemoryLimit().command("true").build())) {
                    first.await();
                }
                awaitPool();
            }
            try (Job job = on.start(Joblet.builder().pidsMax(0).noMemoryLimit().command("sleep", "30").build())) {
                killSupervisorAndCheck(job, 1, false);
            }
        }
    }

    @Test
    void aJobWithChildrenDiesWholeWithItsSupervisor() throws Exception {
        try (Job job = cold.start(Joblet.builder().command("sh", "-c", "sleep 30 & sleep 40 & echo ready; wait").build())) {
            awaitOutput(job, "ready");
            killSupervisorAndCheck(job, 3, true);
        }
    }

    @Test
    void aRootInUserNamespaceJobDiesWithItsSupervisor() throws Exception {
        // Its ids change twice (in the new user namespace, then the job's own): the signal is armed after each.
        try (Job job = joblet.start(Joblet.builder().rootInUserNamespace().command("sleep", "30").build())) {
            killSupervisorAndCheck(job, 1, true);
        }
    }

    @Test
    void aTtyJobDiesWithItsSupervisor() throws Exception {
        try (Job job = joblet.start(Joblet.builder().tty(true).command("sh", "-c", "echo ready; sleep 30").build())) {
            awaitOutput(job, "ready");
            killSupervisorAndCheck(job, 2, true);
        }
    }

    @Test
    void aPreparedChildWaitingForItsCommandDiesWithItsSupervisor() throws Exception {
        // The pool learns a kind's root from a cold start, then prepares supervisors whose child has built it and
        // waits for its command: killing such a supervisor must take its waiting child too.
        for (int i = 0; i < 3; i++) {
            try (Job job = joblet.start(Joblet.builder().command("true").build())) {
                job.await();
            }
        }
        List<long[]> waiting = new ArrayList<>();
        for (int i = 0; i < 2_000 && waiting.isEmpty(); i++) {
            Thread.sleep(5);
            waiting = preparedChildren();
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(waiting.isEmpty(), "the pool prepared no root ahead here");
        long supervisor = waiting.get(0)[0], child = waiting.get(0)[1];
        assertThat(ProcessHandle.of(supervisor).orElseThrow().destroyForcibly()).isTrue();
        for (int i = 0; i < 2_000 && ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(5);
        }
        assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).as("the waiting child").isFalse();
        // The next start does not trip over the dead supervisor's remains.
        try (Job job = joblet.start(Joblet.builder().command("echo", "ok").build())) {
            JobResult r = job.await(GUARD).orElseThrow();
            assertThat(job.stdout().text()).as("%s", r).isEqualTo("ok\n");
        }
    }

    /** {supervisor, child} of every prepared supervisor of this JVM whose child waits (a child that has not exec'd). */
    private static List<long[]> preparedChildren() {
        List<long[]> found = new ArrayList<>();
        ProcessHandle.current().children().forEach(sup -> sup.children().forEach(child -> {
            try {
                String exe = Files.readSymbolicLink(Path.of("/proc/" + child.pid() + "/exe")).toString();
                String supExe = Files.readSymbolicLink(Path.of("/proc/" + sup.pid() + "/exe")).toString();
                if (exe.equals(supExe)) {
                    found.add(new long[] {sup.pid(), child.pid()});
                }
            } catch (NoSuchFileException e) {
                // gone meanwhile
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        return found;
    }
}
