package dev.joblet.benchmarks;

import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.Network;
import dev.joblet.engine.JobEngine;
import dev.joblet.engine.JobHandle;
import dev.joblet.engine.JobLauncher;
import dev.joblet.engine.StandardPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Sustained throughput of short jobs through a {@link JobEngine}, and the engine's own overhead per job:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.joblet.benchmarks.EngineThroughput [jobs]</pre>
 *
 * Real jobs are {@code /bin/true} in the full sandbox without a network namespace ({@code Network.HOST}), all
 * submitted at once, at concurrency 2 and 8; every one is checked to exit 0. The overhead figure uses a launcher
 * that starts nothing (its jobs end at once with a result borrowed from a real run), so it is the cost of submit,
 * policy, bookkeeping, listeners and result delivery alone. Needs root.
 */
public final class EngineThroughput {
    private EngineThroughput() {}

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        JobSpec spec = Joblet.builder().command("/bin/true").network(Network.HOST).build();
        JobResult sample;
        try (var job = spec.start()) {
            sample = job.await();
        }
        for (int round = 0; round < 2; round++) { // the first round warms up
            boolean report = round == 1;
            overhead(spec, sample, report ? 200_000 : 50_000, report);
            for (int concurrency : new int[] {2, 8}) {
                real(spec, report ? jobs : jobs / 4, concurrency, report);
            }
        }
    }

    private static void real(JobSpec spec, int jobs, int concurrency, boolean report) throws Exception {
        try (JobEngine engine = JobEngine.builder()
                .policy(StandardPolicy.builder().maxConcurrent(concurrency).build())
                .launchThreads(concurrency).build()) {
            long t0 = System.nanoTime();
            List<JobHandle> hs = new ArrayList<>(jobs);
            for (int i = 0; i < jobs; i++) {
                hs.add(engine.submit(spec));
            }
            int failed = 0;
            for (JobHandle h : hs) {
                try {
                    if (!h.result().get().isSuccess()) {
                        failed++;
                    }
                } catch (Exception e) {
                    failed++;
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (report) {
                System.out.printf("real /bin/true, Network.HOST, concurrency %d: %d jobs in %.2f s = %.0f jobs/s (%d failed)%n",
                        concurrency, jobs, s, jobs / s, failed);
            }
        }
    }

    private static void overhead(JobSpec spec, JobResult sample, int jobs, boolean report) throws Exception {
        JobLauncher none = (id, s) -> new JobLauncher.Launched() {
            @Override
            public Optional<dev.joblet.Job> job() {
                return Optional.empty();
            }

            @Override
            public CompletableFuture<JobResult> onExit() {
                return CompletableFuture.completedFuture(sample);
            }

            @Override
            public void stop(Duration grace) {}
        };
        try (JobEngine engine = JobEngine.builder().launcher(none).launchExecutor(Runnable::run).retainFinished(100)
                .policy(StandardPolicy.builder().maxConcurrent(8).build()).build()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                engine.submit(spec).result().join();
            }
            double ns = (System.nanoTime() - t0) / (double) jobs;
            if (report) {
                System.out.printf("engine overhead (no-op launcher, submit to result): %.1f µs per job%n", ns / 1000);
            }
        }
    }
}
