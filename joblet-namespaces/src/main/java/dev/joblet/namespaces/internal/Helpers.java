package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.DetachedProcess;
import dev.joblet.namespaces.Detachment;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.PreparedLaunch;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@code Launcher} owns and closes: the helper image, the event loop that serves its jobs, and every helper
 * it spawned (running jobs and prepared helpers not yet used). Thread-safe.
 */
public final class Helpers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Helpers.class);
    /** How long {@link #close()} waits for killed jobs to be released and the loop to end. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final HelperImage image;
    private final EventLoop loop;
    private final Object lock = new Object();
    /** Guarded by lock: no launch or prepare may begin once set. */
    private boolean closed;
    /** Guarded by lock: launches and prepares under way (they use the image and the loop). */
    private int inFlight;
    /** Guarded by lock: the jobs started and not yet released. */
    private final Set<HelperProcess> running = new HashSet<>();
    /** Guarded by lock: prepared helpers neither launched nor closed. */
    private final Set<WarmHelper> prepared = new HashSet<>();

    private Helpers(HelperImage image, EventLoop loop) {
        this.image = image;
        this.loop = loop;
    }

    /** Takes {@code image} (closed with this, or now if this cannot be made) and starts an event loop for it. */
    public static Helpers open(HelperImage image) throws IOException {
        try {
            return new Helpers(image, EventLoop.open());
        } catch (IOException | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    private void enter() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the launcher is closed");
            }
            inFlight++;
        }
    }

    private void leave() {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
    }

    /** A cold launch: spawn, config, exec. */
    public LaunchedProcess launch(LaunchRequest request, OutputHandler output) throws IOException {
        byte[] config = Protocol.encode(request);
        enter();
        try {
            HelperSpawn.Stdin stdin = request.tty() ? HelperSpawn.Stdin.TTY
                    : request.stdin() != null ? HelperSpawn.Stdin.PIPE : HelperSpawn.Stdin.NULL;
            HelperSpawn.Spawned s = HelperSpawn.spawn(image, stdin);
            return track(Handshake.start(loop, s, config, request, output));
        } finally {
            leave();
        }
    }

    /** A detached launch: spawn, detach and config, exec; then the helper is let go (see helper.h MSG_DETACH). */
    public DetachedProcess launchDetached(LaunchRequest request, Detachment d) throws IOException {
        if (request.tty() || request.stdin() != null) {
            throw new IllegalArgumentException("a detached job has no stdin nor terminal (tty " + request.tty()
                    + ", stdin " + (request.stdin() != null) + ")");
        }
        byte[] detach = Protocol.encodeDetach(d.stateDir().toString(), d.logCapBytes(), d.timeoutMillis(), d.graceMillis(),
                d.keepFd(), d.startAtMillis());
        byte[] config = Protocol.encode(request);
        byte[] messages = new byte[detach.length + config.length];
        System.arraycopy(detach, 0, messages, 0, detach.length);
        System.arraycopy(config, 0, messages, detach.length, config.length);
        enter();
        try {
            return Handshake.startDetached(HelperSpawn.spawn(image, HelperSpawn.Stdin.NULL), messages, request);
        } finally {
            leave();
        }
    }

    public PreparedLaunch prepare(List<Path> procsFiles, boolean newNetwork, @Nullable LaunchRequest template,
            boolean earlySeccomp) throws IOException {
        enter();
        try {
            WarmHelper w = WarmHelper.prepare(this, image, procsFiles, newNetwork, template, earlySeccomp);
            synchronized (lock) {
                prepared.add(w);
            }
            return w;
        } finally {
            leave();
        }
    }

    /** A prepared helper's launch: it hands over its helper {@code s} (taken, so closing it does nothing now). */
    LaunchedProcess started(WarmHelper w, HelperSpawn.Spawned s, byte[] message, LaunchRequest request,
            OutputHandler output) throws IOException {
        forget(w);
        try {
            enter();
        } catch (IllegalStateException e) {
            s.abandon();
            throw e;
        }
        try {
            return track(Handshake.start(loop, s, message, request, output));
        } finally {
            leave();
        }
    }

    /** A prepared helper that was closed or launched. */
    void forget(WarmHelper w) {
        synchronized (lock) {
            prepared.remove(w);
        }
    }

    private HelperProcess track(HelperProcess p) {
        synchronized (lock) {
            running.add(p);
        }
        p.onReleased().whenComplete((v, e) -> {
            synchronized (lock) {
                running.remove(p);
                lock.notifyAll();
            }
        });
        return p;
    }

    /**
     * Refuses new launches, waits for those under way, closes the prepared helpers not used, kills every job still
     * running (SIGKILL through its supervisor, which signals the job by pidfd: never a recycled PID), and waits until
     * each is released and the loop thread has ended; then closes the image. Idempotent; a second call waits again.
     *
     * @throws IllegalStateException when jobs are still not released after {@link #CLOSE_TIMEOUT} (the loop keeps
     *     serving them and ends once they are), or when called on the loop thread
     */
    @Override
    public void close() {
        if (loop.inLoop()) {
            // It would wait for releases that only this thread can complete.
            throw new IllegalStateException("a launcher cannot be closed from its own I/O thread (an onExit callback):"
                    + " use the async variants to close it from another thread");
        }
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        List<WarmHelper> unused;
        List<HelperProcess> jobs;
        synchronized (lock) {
            closed = true;
            while (inFlight > 0 && awaitLock(deadline)) {
                // a launch under way ends with its job tracked or failed
            }
            unused = new ArrayList<>(prepared);
            jobs = new ArrayList<>(running);
        }
        for (WarmHelper w : unused) {
            w.close();
        }
        for (HelperProcess p : jobs) {
            p.kill();
        }
        List<Integer> left = new ArrayList<>();
        synchronized (lock) {
            while ((!running.isEmpty() || inFlight > 0) && awaitLock(deadline)) {
                // released on the loop thread
            }
            running.forEach(p -> left.add(p.pid()));
        }
        if (!left.isEmpty()) {
            throw new IllegalStateException("launcher close: job pids " + left + " not released after " + CLOSE_TIMEOUT);
        }
        if (!loop.shutdown(Math.max(0, deadline - System.nanoTime()))) {
            throw new IllegalStateException("launcher close: the event loop did not end within " + CLOSE_TIMEOUT);
        }
        image.close();
        log.debug("launcher closed");
    }

    /** Waits on lock until notified or the deadline; false once it has passed. Holds lock. */
    @SuppressWarnings("WaitNotInLoop") // one turn of the callers' loops, which re-check their condition
    private boolean awaitLock(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }
}
