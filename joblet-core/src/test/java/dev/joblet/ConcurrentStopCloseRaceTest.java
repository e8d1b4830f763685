package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Eight threads start jobs and, at the same time, stop, close and await the jobs the others started, in any order
 * and any number of times: no call throws (no exception of these calls is documented for a job that was started),
 * none hangs (each round is bounded), every job ends with one result that all callers agree on, and nothing of
 * any job remains.
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and cgroups")
class ConcurrentStopCloseRaceTest {
    /** This class's own instance: its pools and jobs end with it (nothing carries over to other classes). */
    private final Joblet joblet = Joblet.create();

    @org.junit.jupiter.api.AfterEach
    void closeJoblet() {
        joblet.close();
    }

    private static final int THREADS = 8;
    private static final int ROUNDS = 25;

    @Test
    void startStopCloseAndAwaitRaceOnSharedHandles() throws Exception {
        try (Job warm = joblet.start(Joblet.builder().command("true").build())) {
            warm.await();
        }
        joblet.drainPools();
        Joblet.system().drainPools(); // what jobs of other classes left ready there is not counted either
        HostTraces.Footprint before = HostTraces.Footprint.now();
        List<Job> all = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<Job> shared = new CopyOnWriteArrayList<>();
                CyclicBarrier go = new CyclicBarrier(THREADS);
                List<Future<?>> calls = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    calls.add(pool.submit(() -> {
                        go.await(30, TimeUnit.SECONDS);
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        Job mine = joblet.start(Joblet.builder().stopGrace(Duration.ofMillis(rnd.nextInt(3) * 20))
                                .command(thread % 2 == 0 ? new String[] {"sleep", "30"} : new String[] {"sh", "-c", "echo $$"}).build());
                        shared.add(mine);
                        all.add(mine);
                        for (int k = 0; k < 6; k++) {
                            Job j = shared.get(rnd.nextInt(shared.size()));
                            switch (rnd.nextInt(6)) {
                                case 0 -> j.stop(Duration.ZERO);
                                case 1 -> j.stop(Duration.ofMillis(10));
                                case 2 -> j.close();
                                case 3 -> j.await(Duration.ofMillis(rnd.nextInt(20)));
                                case 4 -> j.onExit();
                                default -> {
                                    j.isAlive();
                                    j.stdout().text();
                                }
                            }
                        }
                        mine.close();
                        assertThat(mine.isAlive()).isFalse();
                        return null;
                    }));
                }
                for (Future<?> f : calls) {
                    f.get(60, TimeUnit.SECONDS); // a hang fails here; so does any exception of the calls above
                }
                for (Job j : shared) {
                    JobResult r = j.await(Duration.ofSeconds(30)).orElseThrow();
                    assertThat(j.onExit().get(30, TimeUnit.SECONDS)).isSameAs(r);
                    assertThat(r.jobId()).isEqualTo(j.id());
                    assertThat(r.reason()).isIn(EndReason.EXITED, EndReason.STOPPED);
                    if (r.reason() == EndReason.EXITED) {
                        assertThat(r.exitCode()).hasValue(0);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            all.forEach(Job::close);
        }
        assertThat(all).hasSize(THREADS * ROUNDS);
        joblet.drainPools();
        HostTraces.Footprint after = HostTraces.Footprint.now();
        for (int i = 0; i < 40 && !after.equals(before); i++) {
            Thread.sleep(50);
            after = HostTraces.Footprint.now();
        }
        assertThat(after).isEqualTo(before);
    }
}
