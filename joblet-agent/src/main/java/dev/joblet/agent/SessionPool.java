package dev.joblet.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions started ahead of need, so that {@link Sandbox#openSession()} hands one out in microseconds with its
 * interpreter already running. Owned by its {@link Sandbox}, which closes it. One filler thread
 * ({@code joblet-session-pool}), started at the first take, keeps {@code size} sessions ready; {@link #close()}
 * stops it and closes the sessions not handed out. Thread-safe.
 */
final class SessionPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionPool.class);

    private final Sandbox sandbox;
    private final int size;
    private final ArrayDeque<SandboxSession> ready = new ArrayDeque<>(); // guarded by this
    private @Nullable Thread filler; // guarded by this
    private boolean closed; // guarded by this

    SessionPool(Sandbox sandbox, int size) {
        this.sandbox = sandbox;
        this.size = size;
    }

    /** A ready session, or null when none is ready yet (the caller opens one itself); wakes the filler. */
    @Nullable SandboxSession take() {
        List<SandboxSession> stale = new ArrayList<>();
        SandboxSession found = null;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("openSession: the sandbox is closed");
            }
            if (filler == null) {
                Thread t = new Thread(this::fill, "joblet-session-pool");
                t.setDaemon(true);
                filler = t;
                t.start();
            }
            SandboxSession s;
            while (found == null && (s = ready.poll()) != null) {
                if (s.isReady()) {
                    found = s;
                } else {
                    stale.add(s); // closed itself while idle, or its job ended
                }
            }
            notifyAll();
        }
        stale.forEach(SandboxSession::close);
        if (found != null) {
            found.touch();
        }
        return found;
    }

    private void fill() {
        while (true) {
            synchronized (this) {
                while (!closed && ready.size() >= size) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return; // close() interrupts only after setting closed
                    }
                }
                if (closed) {
                    return;
                }
            }
            SandboxSession s = null;
            try {
                s = sandbox.newSession(sandbox.idleTimeout());
                s.startInterpreter();
            } catch (InterruptedException e) {
                if (s != null) {
                    s.close();
                }
                return;
            } catch (Exception e) {
                if (s != null) {
                    s.close();
                }
                log.warn("cannot start a ready session: {}; retrying in 1 s", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            boolean keep;
            synchronized (this) {
                keep = !closed;
                if (keep) {
                    ready.add(s);
                }
            }
            if (!keep) {
                s.close();
                return;
            }
        }
    }

    /** Stops the filler and closes the sessions not handed out. Idempotent. */
    @Override
    public void close() {
        Thread t;
        List<SandboxSession> left;
        synchronized (this) {
            closed = true;
            t = filler;
            left = new ArrayList<>(ready);
            ready.clear();
            notifyAll();
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        left.forEach(SandboxSession::close);
    }
}
