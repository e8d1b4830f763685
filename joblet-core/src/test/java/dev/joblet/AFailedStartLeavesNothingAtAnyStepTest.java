package dev.joblet;

import dev.joblet.testing.NeedsRoot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails just after any one of its acquisitions (see {@link JobLaunch.Step}) unwinds all that it had
 * acquired: no cgroup, mount, file, fd, thread, child process, host identity, network attachment or spill file
 * remains, and the failure it reports is the one that ended it. An interrupt that breaks a step is reported as an
 * interrupt, with the flag kept. Faults are injected through {@link JobLaunch.Faults}; the step {@code LAUNCH}
 * fails just before the launch, with everything acquired.
 */
@NeedsRoot("for namespaces, cgroups and mounts")
class AFailedStartLeavesNothingAtAnyStepTest {
    private final Joblet joblet = Joblet.create();

    @AfterEach
    void close() {
        Thread.interrupted();
        joblet.close();
    }

    /**
     * What the host and the JVM hold of jobs, with the pools drained (their entries are not a start's). The network
     * is counted from /sys and /run, not with ip(8): a subprocess's pipes would stay open until collected.
     */
    private record Held(HostTraces.Footprint footprint, List<String> threads, int identitiesFree, List<Long> net) {
        static Held now(Joblet joblet) throws Exception {
            joblet.drainPools();
            HostTraces.drainSystemPools();
            return new Held(HostTraces.Footprint.now(), otherThreadNames(), joblet.host().identities().available(),
                    List.of(count("/sys/class/net"), count("/run/netns"), count("/run/joblet/net")));
        }

        /** Equal when all but the footprint's thread count (the JDK's housekeeping threads come and go) are. */
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Held)) {
                return false;
            }
            Held h = (Held) o;
            HostTraces.Footprint a = footprint, b = h.footprint;
            return a.jobKindFds() == b.jobKindFds() && a.netnsFds() == b.netnsFds() && a.children().equals(b.children())
                    && a.cgroups().equals(b.cgroups()) && a.mounts().equals(b.mounts()) && a.files().equals(b.files())
                    && threads.equals(h.threads) && identitiesFree == h.identitiesFree && net.equals(h.net);
        }

        @Override
        public int hashCode() {
            return threads.hashCode();
        }

        private static long count(String dir) throws java.io.IOException {
            if (!Files.isDirectory(Path.of(dir))) {
                return 0;
            }
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                return s.count();
            }
        }
    }

    /**
     * The baseline: what remains once the previous tests' jobs have finished going (their fds close on the I/O
     * thread) and the library's lazy parts have started: two readings 100 ms apart that agree.
     */
    private Held baseline() throws Exception {
        Held last = Held.now(joblet);
        for (int i = 0; i < 50; i++) {
            System.gc(); // closes the descriptors of unreachable JDK objects (a subprocess's pipes) now
            Thread.sleep(100);
            Held next = Held.now(joblet);
            if (next.equals(last)) {
                return next;
            }
            last = next;
        }
        return last;
    }

    private Held settled(Held before) throws Exception {
        Held after = Held.now(joblet);
        for (int i = 0; i < 100 && !after.equals(before); i++) {
            Thread.sleep(50); // a failure guard: threads leave /proc/self/task, a veth unregisters, in milliseconds
            System.gc();
            after = Held.now(joblet);
        }
        return after;
    }

    private static void assertSame(Held after, Held before, String when) {
        assertThat(after.footprint().cgroups()).as("job cgroups " + when).isEqualTo(before.footprint().cgroups());
        assertThat(after.footprint().mounts()).as("mounts " + when).isEqualTo(before.footprint().mounts());
        assertThat(after.footprint().files()).as("files under /run/joblet " + when).isEqualTo(before.footprint().files());
        assertThat(after.footprint().children()).as("children " + when).isEqualTo(before.footprint().children());
        assertThat(after.footprint().jobKindFds()).as("fds " + when).isEqualTo(before.footprint().jobKindFds());
        assertThat(after.footprint().netnsFds()).as("netns fds " + when).isEqualTo(before.footprint().netnsFds());
        assertThat(after.threads()).as("threads " + when).isEqualTo(before.threads());
        assertThat(after.identitiesFree()).as("free host identities " + when).isEqualTo(before.identitiesFree());
        assertThat(after.net()).as("interfaces, named namespaces, network state " + when).isEqualTo(before.net());
    }

    private void failAt(JobSpec spec, JobLaunch.Step step) {
        assertThat(catchThrowable(() -> JobLaunch.start(joblet, spec, null, s -> {
            if (s == step) {
                throw new IllegalStateException("warm-up");
            }
        }))).isNotNull();
    }

    /**
     * Threads other than the library's pools ({@code joblet-*}, bounded, started lazily) and the JDK's housekeeping
     * ones that come and go by themselves: the subprocess reapers (of ip and nft, for private networks, idle out
     * after a while), the cleaners and finalizers.
     */
    private static List<String> otherThreadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> !n.startsWith("joblet-") && !n.equals("process reaper") && !n.contains("Cleaner")
                        && !n.contains("Finalizer"))
                .sorted().collect(java.util.stream.Collectors.toList());
    }

    /** A directory runtime (for the writable layer); nothing in it runs, as no start here gets to launch. */
    private static Path rootfs(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("usr/bin"));
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/marker"), "x\n");
        return dir;
    }

    @Test
    void aFailureAfterAnyAcquisitionUnwindsEverythingTheStartHadMade(@TempDir Path spill, @TempDir Path tree)
            throws Exception {
        try (PrivateNetwork net = Network.create("t-unwind", "10.231.9.0/24")) {
            JobSpec spec = Joblet.builder().runtime(JobRuntime.directory(rootfs(tree))).writableLayer(MemorySize.ofMegabytes(4))
                    .logSpill(spill).retainWorkspace(true).upload(Upload.bytes("in".getBytes(StandardCharsets.UTF_8), "in.txt"))
                    .memory(MemorySize.ofMegabytes(64)).network(net).publish(80, 0).command("/usr/bin/true").build();
            failAt(spec, JobLaunch.Step.LAUNCH); // the one-time costs (threads, the network's first attachment)
            Held before = baseline();
            for (JobLaunch.Step step : JobLaunch.Step.values()) {
                List<JobLaunch.Step> passed = new ArrayList<>();
                IllegalStateException injected = new IllegalStateException("injected after " + step);
                Throwable t = catchThrowable(() -> JobLaunch.start(joblet, spec, null, s -> {
                    passed.add(s);
                    if (s == step) {
                        throw injected;
                    }
                }));
                assertThat(passed).as("the steps passed").containsExactlyElementsOf(
                        Arrays.asList(JobLaunch.Step.values()).subList(0, step.ordinal() + 1));
                if (step == JobLaunch.Step.LAUNCH) { // reported as a failure to launch, naming the job and the command
                    assertThat(t).isInstanceOf(JobStartException.class).hasCause(injected)
                            .hasMessageMatching("cannot start job [0-9a-f]{8} \"/usr/bin/true\": injected after LAUNCH");
                    assertThat(((JobStartException) t).step()).isEqualTo("launch");
                } else {
                    assertThat(t).isSameAs(injected);
                }
                assertThat(t.getSuppressed()).as("undos that failed").isEmpty();
                assertSame(settled(before), before, "after a failure at " + step);
                assertThat(HostTraces.unnamedFilesIn(spill)).as("spill files still open").isEmpty();
                try (Stream<Path> s = Files.list(spill)) {
                    assertThat(s).as("the spill directory").isEmpty();
                }
            }
        }
    }

    @Test
    void aFailureAfterAnyAcquisitionOfAWarmStartUnwindsItsSupervisorToo() throws Exception {
        JobSpec spec = Joblet.builder().memory(MemorySize.ofMegabytes(64)).command("true").build();
        try (Job job = joblet.start(spec)) { // the pool learns the kind and prepares supervisors for it
            job.await();
        }
        Held before = baseline();
        int claimed = 0;
        for (JobLaunch.Step step : JobLaunch.Step.values()) {
            try (Job job = joblet.start(spec)) { // the count drained the pool: a start of the kind has it prepared again
                job.await();
            }
            for (int i = 0; i < 400 && joblet.warmPool().ready() == 0; i++) {
                Thread.sleep(25); // the refill, off the start path
            }
            boolean ready = joblet.warmPool().ready() > 0;
            claimed += ready ? 1 : 0;
            IllegalStateException injected = new IllegalStateException("injected after " + step);
            Throwable t = catchThrowable(() -> JobLaunch.start(joblet, spec, null, s -> {
                if (s == step) {
                    throw injected;
                }
            }));
            assertThat(t == injected || t.getCause() == injected).as("%s", t).isTrue();
            assertSame(settled(before), before, "after a failure at " + step + (ready ? " (warm)" : " (cold)"));
        }
        // Timing decides whether a supervisor is ready at each step: at least one start must have found one.
        assertThat(claimed).as("starts that found a warm supervisor ready").isPositive();
        System.out.println("warm entries ready at " + claimed + " of " + JobLaunch.Step.values().length + " steps");
    }

    @Test
    void anInterruptThatBreaksAnyStepIsReportedAsAnInterruptAndLeavesNothing(@TempDir Path spill) throws Exception {
        JobSpec spec = Joblet.builder().logSpill(spill).retainWorkspace(true).memory(MemorySize.ofMegabytes(64))
                .command("true").build();
        failAt(spec, JobLaunch.Step.LAUNCH);
        Held before = baseline();
        for (JobLaunch.Step step : JobLaunch.Step.values()) {
            Throwable t = catchThrowable(() -> JobLaunch.start(joblet, spec, null, s -> {
                if (s == step) {
                    Thread.currentThread().interrupt();
                    throw new UncheckedIOException(new ClosedByInterruptException());
                }
            }));
            assertThat(Thread.interrupted()).as("the interrupt flag is kept at " + step).isTrue();
            assertThat(t).isInstanceOf(JobStartException.class).hasMessageContaining("interrupted")
                    .hasMessageContaining("nothing of it remains").hasMessageNotContaining("limits asked for");
            JobStartException e = (JobStartException) t;
            assertThat(e.step()).isEqualTo("interrupted");
            assertThat(e.errnoName()).isEqualTo("EINTR");
            assertSame(settled(before), before, "after an interrupt at " + step);
        }
        try (Job job = joblet.start(spec)) { // and the next start works
            assertThat(job.await(Duration.ofSeconds(60)).orElseThrow().isSuccess()).isTrue();
        }
    }
}
