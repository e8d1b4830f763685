package dev.joblet;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupStats;
import dev.joblet.namespaces.DetachedSupervisors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A detached job ({@link Joblet#startDetached}), seen from any process: a handle on its state directory, which its
 * supervisor keeps up to date whether or not a JVM runs. Every call reads the directory afresh; the handle holds no
 * descriptor and nothing to close. Thread-safe.
 */
public final class DetachedJob {
    private static final long POLL_MILLIS = 50;

    private final JobId id;
    private final Path dir;
    private final ScheduledExecutorService events;

    DetachedJob(JobId id, Path dir, ScheduledExecutorService events) {
        this.id = id;
        this.dir = dir;
        this.events = events;
    }

    public JobId id() {
        return id;
    }

    /** Its state directory ({@code job}, {@code status}, {@code log}, {@code lock}). */
    public Path directory() {
        return dir;
    }

    /** Its log, read from a position: history first, then what the job writes next. */
    public DetachedLog log() {
        return new DetachedLog(dir.resolve("log"));
    }

    /**
     * What is known now, read from its directory; a job whose supervisor is gone (or a zombie) without an end is
     * {@code LOST} at once.
     */
    public DetachedStatus status() throws IOException {
        return DetachedStatusFile.read(id, dir);
    }

    /**
     * What it uses: sampled live from its cgroups while it runs (CPU, memory peak, IO, pids peak, OOM kills), its
     * final figures once it ended ({@link Usage}'s -1 for what is not known; CPU, memory peak and OOM kills there).
     */
    public Usage usage() throws IOException {
        return sample().usage();
    }

    /**
     * One sample of its usage: live from its cgroups, with the current memory and pids, while it runs; once it ended
     * (or is lost) the final usage its supervisor recorded, not live.
     */
    public UsageSample sample() throws IOException {
        DetachedStatus s = status();
        if (s.state() == DetachedStatus.State.RUNNING) {
            CgroupStats c = CgroupDriver.statsOf(cgroupDirs());
            // Read after the figures: a job that ended meanwhile (its cgroups removed) gives its recorded end instead.
            DetachedStatus after = status();
            if (after.state() == DetachedStatus.State.RUNNING) {
                return new UsageSample(Instant.now(), true, Usage.of(c, 0), c.memoryCurrentBytes(), c.pidsCurrent());
            }
            s = after;
        }
        return new UsageSample(Instant.now(), false, s.usage(), -1, -1);
    }

    /** Waits until it ended (or is found {@code LOST}) and returns how. */
    public DetachedStatus await() throws IOException, InterruptedException {
        DetachedStatus s = status();
        while (!s.hasEnded()) {
            Thread.sleep(POLL_MILLIS);
            s = status();
        }
        return s;
    }

    /** As {@link #await()}, for at most {@code timeout}; the status then, ended or not. */
    public DetachedStatus await(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        DetachedStatus s = status();
        while (!s.hasEnded() && System.nanoTime() - end < 0) {
            Thread.sleep(POLL_MILLIS);
            s = status();
        }
        return s;
    }

    /**
     * Completes with its end, found by polling its directory on the instance's events executor (no thread waits);
     * completes exceptionally when the directory cannot be read (deleted meanwhile).
     */
    public CompletableFuture<DetachedStatus> onExit() {
        CompletableFuture<DetachedStatus> f = new CompletableFuture<>();
        poll(f);
        return f;
    }

    private void poll(CompletableFuture<DetachedStatus> f) {
        if (f.isDone()) {
            return;
        }
        try {
            DetachedStatus s = status();
            if (s.hasEnded()) {
                f.complete(s);
                return;
            }
            events.schedule(() -> poll(f), POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (IOException | RuntimeException e) {
            f.completeExceptionally(e);
        }
    }

    /**
     * Delivers its log from {@code position} ({@code 0}: the beginning) to {@code sink}, history first, then live
     * until the job ended and everything it wrote is delivered; returns the position after the last record.
     *
     * @throws JobLookupException when the job is deleted meanwhile (the message names the offset followed to)
     */
    public long follow(long position, Consumer<DetachedLog.Entry> sink) throws IOException, InterruptedException {
        DetachedLog log = log();
        log.requireBoundary(position);
        long pos = position;
        for (;;) {
            List<DetachedLog.Entry> got;
            DetachedStatus now;
            try {
                got = log.read(pos, 1 << 20);
                now = got.isEmpty() ? status() : null;
            } catch (NoSuchFileException | JobLookupException e) {
                if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                throw new JobLookupException("job " + id.shortForm() + " was deleted while its log was followed"
                        + " (followed up to offset " + pos + ")", List.of());
            }
            for (DetachedLog.Entry e : got) {
                sink.accept(e);
                pos = e.next();
            }
            if (!got.isEmpty()) {
                continue;
            }
            if (now != null && now.hasEnded()) {
                List<DetachedLog.Entry> rest = log.read(pos, Integer.MAX_VALUE); // written before the end was
                for (DetachedLog.Entry e : rest) {
                    sink.accept(e);
                    pos = e.next();
                }
                return pos;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Stops it: SIGTERM to the job (through its supervisor), then after {@code grace} SIGKILL; returns its end.
     *
     * @throws IllegalStateException when it has already ended (the message says how)
     */
    public DetachedStatus stop(Duration grace) throws IOException, InterruptedException {
        DetachedStatus s = status();
        if (s.state() == DetachedStatus.State.STARTING) {
            s = awaitReported(Duration.ofSeconds(10));
        }
        if (s.hasEnded()) {
            throw new IllegalStateException("job " + id.shortForm() + " is not running: " + describeEnd(s));
        }
        if (s.state() == DetachedStatus.State.SCHEDULED) {
            throw new IllegalStateException("job " + id.shortForm() + " has not started (scheduled for "
                    + s.scheduledAt() + "): cancel it instead");
        }
        DetachedStatus now = s;
        boolean sent = DetachedStore.locked(dir, () -> signalRunning(now, DetachedSupervisors.STOP));
        if (sent && !grace.isZero()) {
            s = await(grace);
            if (s.hasEnded()) {
                return s;
            }
        }
        DetachedStatus again = status();
        if (!again.hasEnded()) {
            DetachedStore.locked(dir, () -> signalRunning(again, DetachedSupervisors.KILL));
        }
        return await(Duration.ofSeconds(30));
    }

    /**
     * Cancels it while it waits for its start time ({@link DetachOptions#startAt()}): its supervisor ends the wait,
     * removes its cgroups and records it {@code CANCELLED} (its directory stays until {@link #delete}); returns that.
     *
     * @throws IllegalStateException when it is not scheduled (it started, ended, or was cancelled: the message says)
     */
    public DetachedStatus cancel() throws IOException, InterruptedException {
        DetachedStatus s = status();
        if (s.state() == DetachedStatus.State.SCHEDULED) {
            DetachedStatus seen = s;
            boolean sent = DetachedStore.locked(dir, () -> DetachedStatusFile.rawState(dir).equals("scheduled")
                    && DetachedSupervisors.signal(seen.supervisorPid(), num(DetachedStore.read(dir, "status"),
                            "supervisor_start", -1), DetachedSupervisors.STOP));
            if (sent) {
                s = await(Duration.ofSeconds(10));
                if (s.state() == DetachedStatus.State.CANCELLED) {
                    return s;
                }
            } else {
                s = status();
            }
        }
        throw new IllegalStateException("job " + id.shortForm() + " cannot be cancelled: " + (switch (s.state()) {
            case STARTING, RUNNING -> "it has started (" + s.state().name().toLowerCase(java.util.Locale.ROOT)
                    + "); stop it instead";
            case CANCELLED -> "it is cancelled already";
            case SCHEDULED -> "its supervisor did not answer";
            case ENDED, LOST -> "it is not scheduled: " + describeEnd(s);
        }));
    }

    /** A scheduled job cancelled, or stopped when it started meanwhile. */
    private DetachedStatus cancelOrStop() throws IOException, InterruptedException {
        try {
            return cancel();
        } catch (IllegalStateException e) {
            DetachedStatus s = status();
            return s.hasEnded() ? s : stop(Duration.ZERO);
        }
    }

    private boolean signalRunning(DetachedStatus s, int signal) throws IOException {
        Properties st = DetachedStore.read(dir, "status");
        if (!st.getProperty("state", "").equals("running")) {
            return false; // it ended meanwhile
        }
        return DetachedSupervisors.signal(s.supervisorPid(), num(st, "supervisor_start", -1), signal);
    }

    private DetachedStatus awaitReported(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        DetachedStatus s = status();
        while (s.state() == DetachedStatus.State.STARTING && System.nanoTime() - end < 0) {
            Thread.sleep(POLL_MILLIS);
            s = status();
        }
        return s;
    }

    /**
     * Removes everything of it: its directory and, for a {@code LOST} job, what is left in its cgroups (killed) and
     * the cgroups. A running job is refused unless {@code force}, which kills it first.
     *
     * @throws IllegalStateException when it runs and {@code force} is false
     */
    public void delete(boolean force) throws IOException, InterruptedException {
        DetachedStatus s = status();
        if (!s.hasEnded()) {
            boolean scheduled = s.state() == DetachedStatus.State.SCHEDULED;
            if (!force) {
                throw new IllegalStateException("job " + id.shortForm() + " is " + s.state().name().toLowerCase(
                        java.util.Locale.ROOT) + "; " + (scheduled ? "cancel" : "stop") + " it first (or delete it with"
                        + " force)");
            }
            s = scheduled ? cancelOrStop() : stop(Duration.ZERO);
            if (!s.hasEnded()) {
                throw new IOException("job " + id.shortForm() + " did not end after SIGKILL");
            }
        }
        DetachedStatus last = s;
        DetachedStore.locked(dir, () -> {
            removeCgroups(last.state() == DetachedStatus.State.LOST);
            DetachedStore.removeDir(dir);
            return Boolean.TRUE;
        });
    }

    /** The job's cgroups: what a LOST job left is killed (they are ours: made for this job), then each removed. */
    private void removeCgroups(boolean kill) throws IOException {
        for (Path cg : cgroupDirs()) {
            if (!Files.isDirectory(cg)) {
                continue;
            }
            for (int attempt = 0; attempt < 200; attempt++) {
                if (kill) {
                    for (String line : readLines(cg.resolve("cgroup.procs"))) {
                        ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                try {
                    Files.deleteIfExists(cg);
                    break;
                } catch (java.nio.file.FileSystemException e) {
                    try {
                        Thread.sleep(10); // busy: its last task is still exiting
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("removing " + cg);
                    }
                    if (attempt == 199) {
                        throw new IOException("cannot remove the job's cgroup " + cg + ": " + e.getMessage(), e);
                    }
                }
            }
        }
    }

    private List<Path> cgroupDirs() throws IOException {
        Properties job = DetachedStore.read(dir, "job");
        List<Path> dirs = new ArrayList<>();
        int n = (int) num(job, "cgroup.count", 0);
        for (int i = 0; i < n; i++) {
            dirs.add(Path.of(job.getProperty("cgroup." + i, "/nonexistent")));
        }
        return dirs;
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.US_ASCII).stream().filter(l -> !l.isBlank()).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    static long num(Properties p, String key, long otherwise) {
        return DetachedStatusFile.num(p, key, otherwise);
    }

    /** "exited with code 3", "killed by signal 9 (timeout)", "lost: ...". */
    static String describeEnd(DetachedStatus s) {
        if (s.state() == DetachedStatus.State.LOST) {
            return "lost: " + s.reason();
        }
        if (s.state() == DetachedStatus.State.CANCELLED) {
            return "cancelled before it started";
        }
        if (s.exitCode() < 0 && s.signal() == 0) {
            return String.valueOf(s.reason());
        }
        return (s.exitCode() >= 0 ? "exited with code " + s.exitCode() : "killed by signal " + s.signal())
                + " (" + s.reason() + ")";
    }

    @Override
    public String toString() {
        return "detached job " + id;
    }
}
