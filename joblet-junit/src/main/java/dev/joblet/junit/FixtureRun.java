package dev.joblet.junit;

import dev.joblet.EndReason;
import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.JobletException;
import dev.joblet.Network;
import dev.joblet.PrivateNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One started {@link Fixture} (of its {@link FixtureDefinition}): owns its job and, for
 * {@link Fixture.Builder#isolatedNetwork}, the private network it made; {@link #stop()} ends both (once) and says
 * what went wrong. Thread-safe.
 */
final class FixtureRun implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FixtureRun.class);
    private static final Duration END_WAIT = Duration.ofSeconds(30);
    /** Isolated networks take a /28 of this /16 (16 addresses: a gateway and up to 13 jobs). */
    private static final int NET_BASE = (10 << 24) | (247 << 16);

    private final FixtureDefinition fixture;
    private final Job job;
    private final @Nullable PrivateNetwork ownNetwork;
    private final FixtureProcess process;
    private @Nullable List<String> stopped; // guarded by this: the problems found by the one stop

    private FixtureRun(FixtureDefinition fixture, Job job, @Nullable PrivateNetwork ownNetwork, FixtureProcess process) {
        this.fixture = fixture;
        this.job = job;
        this.ownNetwork = ownNetwork;
        this.process = process;
    }

    FixtureProcess process() {
        return process;
    }

    FixtureDefinition fixture() {
        return fixture;
    }

    /** Makes the network (if its own), starts the job, waits for it; on failure nothing of it remains. */
    static FixtureRun start(FixtureDefinition f) throws JobletException, InterruptedException {
        PrivateNetwork own = f.isolated() ? createIsolatedNetwork() : null;
        Job job;
        try {
            job = f.spec(own == null ? f.network() : own).start();
        } catch (JobletException | RuntimeException e) {
            if (own != null) {
                own.close();
            }
            throw e;
        }
        long started = System.nanoTime();
        FixtureProcess p = new FixtureProcess(job, List.of(), f.description(), f.exposedPorts());
        FixtureRun run = new FixtureRun(f, job, own, p);
        try {
            run.awaitReady(started);
        } catch (RuntimeException | InterruptedException e) {
            run.stop(); // nothing to report beyond the failure itself
            throw e;
        }
        log.debug("{} ready: job {}", f.description(), job.id());
        return run;
    }

    private static PrivateNetwork createIsolatedNetwork() throws JobletException {
        IllegalArgumentException last = null;
        for (int attempt = 0; attempt < 32; attempt++) {
            int block = ThreadLocalRandom.current().nextInt(1 << 12); // one of the 4096 /28s of 10.247.0.0/16
            int base = NET_BASE | (block << 4);
            String cidr = (base >>> 24) + "." + ((base >>> 16) & 255) + "." + ((base >>> 8) & 255) + "." + (base & 255) + "/28";
            String name = "fx-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
            try {
                return Network.builder(name, cidr).pool(0).create();
            } catch (IllegalArgumentException e) {
                last = e; // taken by another fixture or another process's network: try another
            }
        }
        throw new IllegalStateException("no free /28 for an isolated fixture network in 10.247.0.0/16", last);
    }

    private void awaitReady(long started) throws InterruptedException {
        List<WaitStrategy> pending = new ArrayList<>(fixture.waitStrategies());
        String[] lastSeen = new String[pending.size()];
        while (true) {
            for (int i = 0; i < pending.size(); i++) {
                WaitStrategy w = pending.get(i);
                if (w == null) {
                    continue;
                }
                String why = w.notReady(process);
                if (why == null) {
                    pending.set(i, null);
                } else {
                    lastSeen[i] = why;
                    if (System.nanoTime() - started - w.startupTimeout().toNanos() > 0) {
                        throw new IllegalStateException(fixture.description() + " was not ready within "
                                + seconds(w.startupTimeout()) + " (waiting for " + w.description() + "; last: " + why + ")"
                                + FixtureStarter.outputOf(job));
                    }
                }
            }
            boolean ready = pending.stream().allMatch(w -> w == null);
            if (!job.isAlive()) {
                throw new IllegalStateException(fixture.description() + " ended before " + (ready ? "the test started"
                        : "it was ready (waiting for " + waitingFor(pending) + ")") + ": " + job.onExit().join()
                        + FixtureStarter.outputOf(job));
            }
            if (ready) {
                return;
            }
            Thread.sleep(10);
        }
    }

    private static String waitingFor(List<@Nullable WaitStrategy> pending) {
        List<String> w = new ArrayList<>();
        for (WaitStrategy s : pending) {
            if (s != null) {
                w.add(s.description());
            }
        }
        return String.join(" and ", w);
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * Stops the job (after the fixture's stop grace; at once by default), removes its own network, and returns
     * what went wrong: a crash before the stop, something left behind. Only the first call stops; later ones
     * return an empty list.
     */
    List<String> stop() {
        synchronized (this) {
            if (stopped != null) {
                return List.of();
            }
            stopped = List.of();
        }
        List<String> problems = new ArrayList<>();
        boolean endedByItself = !job.isAlive();
        Optional<JobResult> result;
        try {
            result = job.stop(fixture.stopGrace()).completeOnTimeout(null, END_WAIT.toSeconds(), TimeUnit.SECONDS)
                    .thenApply(Optional::ofNullable).join();
        } catch (RuntimeException e) {
            result = Optional.empty();
        }
        job.close(); // returns once nothing of the job remains, its network namespace included
        if (ownNetwork != null) {
            ownNetwork.close(); // its last job has gone: the bridge and its rules go now
        }
        if (result.isEmpty()) {
            problems.add(process + " did not end within " + END_WAIT + " of being stopped");
        } else if (endedByItself && !result.get().isSuccess() && result.get().reason() != EndReason.STOPPED) {
            problems.add(process + " ended before its stop: " + result.get() + FixtureStarter.outputOf(job));
        }
        for (String left : LeftoverCheck.leftovers(job.id(), job.pid())) {
            problems.add(process + " left something behind: " + left);
        }
        if (ownNetwork != null) {
            for (String left : LeftoverCheck.routeLeftovers(ownNetwork.cidr())) {
                problems.add(process + " left its " + ownNetwork + " behind: " + left);
            }
        }
        log.debug("{} stopped: job {}", fixture.description(), job.id());
        return problems;
    }

    /** For a JUnit store's close at the end of its context: stops, and fails with the problems found. */
    @Override
    public void close() {
        List<String> problems = stop();
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
    }
}
