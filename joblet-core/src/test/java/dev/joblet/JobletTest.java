package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A {@link Joblet} owns what its jobs share: two instances configured differently run side by side in one JVM,
 * closing one leaves nothing of it (processes, cgroups, network namespaces, threads, mounts) and does not touch the
 * other, and a closed instance refuses to start jobs, saying so.
 */
@NeedsRoot("for namespaces and cgroups")
class JobletTest {
    private static final int OTHER_FIRST_ID = 0x7100_0000;

    private static int[] hostIds(Job job) throws Exception {
        String status = Files.readString(Path.of("/proc/" + job.pid() + "/status"));
        int uid = 0, gid = 0;
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                uid = Integer.parseInt(line.split("\\s+")[1]);
            } else if (line.startsWith("Gid:")) {
                gid = Integer.parseInt(line.split("\\s+")[1]);
            }
        }
        return new int[] {uid, gid};
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    private static void awaitWarm(Joblet joblet, int n) throws InterruptedException {
        for (int i = 0; i < 2_000 && joblet.warmPool().ready() < n; i++) {
            Thread.sleep(5);
        }
        assertThat(joblet.warmPool().ready()).as("warm supervisors ready").isGreaterThanOrEqualTo(n);
    }

    @Test
    void twoDifferentlyConfiguredInstancesLiveInOneJvm() throws Exception {
        Path otherState = Path.of("/run/joblet-test-" + ProcessHandle.current().pid());
        JobletConfig other = JobletConfig.builder().warmPoolSize(0).netnsPoolSize(0).stateRoot(otherState)
                .identityRange(OTHER_FIRST_ID, OTHER_FIRST_ID + 999).build();
        try (Joblet a = Joblet.create(); Joblet b = Joblet.create(other)) {
            assertThat(a.config()).isNotEqualTo(b.config());
            try (Job first = a.start(Joblet.builder().command("true").build())) { // asks a's pool to fill
                first.await();
            }
            awaitWarm(a, 1);
            try (Job ja = a.start(Joblet.builder().command("sleep", "30").build());
                    Job jb = b.start(Joblet.builder().command("sleep", "30").build())) {
                int[] ia = hostIds(ja), ib = hostIds(jb);
                assertThat(ia[0] - HostIdentities.DEFAULT_FIRST).as("a's job: a host uid of the default range")
                        .isBetween(0, HostIdentities.DEFAULT_COUNT - 1);
                assertThat(ib[0] - OTHER_FIRST_ID).as("b's job: a host uid of b's range").isBetween(0, 999);
                assertThat(ib[1] - OTHER_FIRST_ID).isBetween(0, 999);
                assertThat(b.host().identities().holds(ib[0])).isTrue();
                assertThat(a.host().identities().holds(ib[0])).isFalse();
                assertThat(Files.isDirectory(otherState.resolve("ids"))).as("b's identity locks under its state root")
                        .isTrue();
                assertThat(Files.isDirectory(otherState.resolve("root"))).as("b's staging dir").isTrue();
                assertThat(b.warmPool().ready()).as("b has no warm pool").isZero();
                assertThat(b.warmPool().hasFiller()).isFalse();

                b.close(); // its job ends; a's runs on and a still starts jobs
                assertThat(jb.isAlive()).isFalse();
                assertThat(ja.isAlive()).isTrue();
                try (Job again = a.start(Joblet.builder().command("echo", "still here").build())) {
                    assertThat(again.await().isSuccess()).isTrue();
                    assertThat(again.stdout().text()).isEqualTo("still here\n");
                }
                assertThatThrownBy(() -> b.start(Joblet.builder().command("true").build()))
                        .isInstanceOf(IllegalStateException.class);
            }
        } finally {
            if (Files.exists(otherState)) {
                dev.joblet.internal.Trees.deleteRecursively(otherState);
            }
        }
    }

    @Test
    void closeEndsItsJobsAndPoolsAndLeavesNothingBehind() throws Exception {
        long pid = ProcessHandle.current().pid();
        Joblet.system().drainPools(); // supervisors other classes' jobs left ready there are no concern of this test
        Set<Long> childrenBefore = new HashSet<>(HostTraces.children());
        Set<Path> cgroupsBefore = new HashSet<>(HostTraces.jobCgroupsOf(pid));
        long netnsFdsBefore = HostTraces.netnsFds();
        long poolThreadsBefore = threadsNamed("joblet-pool") + threadsNamed("joblet-netns");
        List<String> mountsBefore = HostTraces.jobletMounts(pid);

        Joblet joblet = Joblet.create();
        try (Job first = joblet.start(Joblet.builder().command("true").build())) {
            first.await();
        }
        awaitWarm(joblet, 1);
        // A cold start (stdin bytes: never warm) takes a network namespace made ahead and has more made.
        try (Job cold = joblet.start(Joblet.builder().command("cat").stdin("x".getBytes(StandardCharsets.UTF_8)).build())) {
            cold.await();
        }
        for (int i = 0; i < 2_000 && joblet.netnsPool().ready() == 0; i++) {
            Thread.sleep(5);
        }
        assertThat(joblet.netnsPool().ready()).as("network namespaces made ahead").isPositive();
        Job running = joblet.start(Joblet.builder().command("sleep", "600").build());
        Job ended = joblet.start(Joblet.builder().command("sh", "-c", "echo kept > /work/f").retainWorkspace(true).build());
        ended.await();
        assertThat(joblet.trackedJobs()).as("the running job and the one holding a workspace").isEqualTo(2);
        assertThat(HostTraces.children()).hasSizeGreaterThan(childrenBefore.size());

        joblet.close();

        assertThat(running.isAlive()).isFalse();
        assertThat(running.onExit()).isCompletedWithValueMatching(r -> r.reason() == EndReason.STOPPED);
        assertThat(joblet.trackedJobs()).isZero();
        assertThat(joblet.warmPool().ready()).isZero();
        assertThat(joblet.netnsPool().ready()).isZero();
        assertThat(HostTraces.children()).as("children of the JVM").allMatch(childrenBefore::contains);
        assertThat(HostTraces.jobCgroupsOf(pid)).as("job and pool cgroups").allMatch(cgroupsBefore::contains);
        assertThat(HostTraces.netnsFds()).as("network namespaces held").isLessThanOrEqualTo(netnsFdsBefore);
        assertThat(threadsNamed("joblet-pool") + threadsNamed("joblet-netns")).as("pool threads")
                .isLessThanOrEqualTo(poolThreadsBefore);
        assertThat(joblet.warmPool().hasFiller()).isFalse();
        assertThat(joblet.netnsPool().hasFiller()).isFalse();
        assertThat(HostTraces.jobletMounts(pid)).as("the retained workspace's mount").isEqualTo(mountsBefore);
        joblet.close(); // idempotent
    }

    @Test
    void closeEndsItsEventsAndLogDeliveryThreads() throws Exception {
        Set<Thread> eventThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Set<Thread> logThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.CountDownLatch delivered = new java.util.concurrent.CountDownLatch(1);
        Joblet joblet = Joblet.create(JobletConfig.builder().warmPoolSize(0).netnsPoolSize(0).build());
        try (Job job = joblet.start(Joblet.builder().command("sh", "-c", "echo hello; exec sleep 600").build())) {
            job.logs().fromBeginning().subscribe(new java.util.concurrent.Flow.Subscriber<LogEvent>() {
                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(LogEvent e) {
                    logThreads.add(Thread.currentThread());
                    delivered.countDown();
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onComplete() {}
            });
            assertThat(delivered.await(60, java.util.concurrent.TimeUnit.SECONDS)).as("a log event delivered").isTrue();
            CompletableFuture<Void> continued = job.onExit().thenRun(() -> eventThreads.add(Thread.currentThread()));
            assertThat(job.isAlive()).as("still running: the continuation waits for the end").isTrue();
            job.stop(java.time.Duration.ZERO);
            continued.get();
        }
        assertThat(eventThreads).as("onExit() continuations on the instance's events threads")
                .isNotEmpty().allMatch(t -> t.getName().equals("joblet-events"));
        assertThat(logThreads).as("log events on the instance's delivery threads")
                .isNotEmpty().allMatch(t -> t.getName().startsWith("joblet-logs-"));
        assertThat(eventThreads).allMatch(Thread::isAlive);

        joblet.close();

        assertThat(eventThreads).as("events threads after close").noneMatch(Thread::isAlive);
        assertThat(logThreads).as("log delivery threads after close").noneMatch(Thread::isAlive);
    }

    @Test
    void aClosedInstanceRefusesToStartJobsSayingSo() throws Exception {
        Joblet joblet = Joblet.create();
        joblet.close();
        assertThat(joblet.isClosed()).isTrue();
        assertThatThrownBy(() -> joblet.start(Joblet.builder().command("true").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot start job \"true\": this Joblet is closed");
        assertThatThrownBy(() -> joblet.start(Joblet.builder().command("true").build(),
                JobId.parse("3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("this Joblet is closed");
        joblet.close(); // a second close is a no-op
        assertThat(joblet.isClosed()).isTrue();
    }

    @Test
    void everyMethodOfAClosedInstanceThatUsesItsMachineryRefusesSayingSo() throws Exception {
        Joblet joblet = Joblet.create(JobletConfig.builder().warmPoolSize(0).netnsPoolSize(0).build());
        Job job = joblet.start(Joblet.builder().command("sleep", "60").build());
        ReservedIdentity held = joblet.reserveIdentity();
        joblet.close();
        assertThatThrownBy(joblet::checkEnvironment).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot check the environment: this Joblet is closed");
        assertThatThrownBy(joblet::reserveIdentity).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot reserve an identity: this Joblet is closed");
        assertThatThrownBy(() -> joblet.volume("v")).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot open volume v: this Joblet is closed");
        // What needs no machinery still answers.
        assertThat(joblet.config().warmPoolSize()).isZero();
        assertThat(joblet.toString()).endsWith(", closed}");
        // The handles it gave out: its job was closed with it (killed, its end known); the identity is the
        // caller's, still held until the caller releases it.
        assertThat(job.isAlive()).isFalse();
        assertThat(job.onExit()).isDone();
        assertThat(job.stop(java.time.Duration.ofSeconds(1))).isDone();
        job.close(); // idempotent
        assertThat(joblet.trackedJobs()).isZero();
        held.close(); // still releases its ids (the lease is the caller's, not the closed instance's)
        held.close();
    }

    @Test
    void anInstanceWhoseRangeRunsOutNamesItsConfigFieldNotTheSystemProperty() throws Exception {
        try (Joblet joblet = Joblet.create(JobletConfig.builder().warmPoolSize(0).netnsPoolSize(0)
                .identityRange(OTHER_FIRST_ID, OTHER_FIRST_ID).build()); ReservedIdentity one = joblet.reserveIdentity()) {
            assertThat(one.uid()).isEqualTo(OTHER_FIRST_ID);
            assertThatThrownBy(joblet::reserveIdentity).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("JobletConfig.Builder.identityRange(FIRST, LAST)")
                    .hasMessageNotContaining("joblet.idRange");
            assertThatThrownBy(() -> joblet.start(Joblet.builder().command("true").build()))
                    .isInstanceOf(JobletException.class)
                    .hasMessageContaining("JobletConfig.Builder.identityRange(FIRST, LAST)")
                    .hasMessageNotContaining("joblet.idRange");
        }
    }

    @Test
    void theSystemInstanceIsOneAndStartsTheSpecsJobs() throws Exception {
        assertThat(Joblet.system()).isSameAs(Joblet.system());
        assertThat(Joblet.system().isClosed()).isFalse();
        try (Job job = Joblet.builder().command("true").start()) {
            assertThat(job.await().isSuccess()).isTrue();
        }
        assertThat(Joblet.system().toString()).startsWith("Joblet{system, ");
    }
}
