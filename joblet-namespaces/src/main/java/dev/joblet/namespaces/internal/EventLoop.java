package dev.joblet.namespaces.internal;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One epoll thread for every pipe and pidfd of one launcher's jobs, so that thousands of jobs cost one thread. Its
 * launcher owns it: {@link #shutdown} ends the thread once nothing is registered and closes its fds.
 * Registrations carry a unique token, so a late event for a closed (and reused) fd is dropped. Handlers run
 * on the loop thread and must not block. Other threads hand work to the loop with {@link #execute} (an eventfd
 * wakes it), so that every fd the loop serves is registered, suspended and closed by the loop thread alone.
 * Thread-safe.
 */
public final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    private static final int EVENT_SIZE = 12; // struct epoll_event is packed on x86_64
    private static final int MAX_EVENTS = 64;

    /** Called on the loop thread when a registered fd is ready. */
    public interface Handler {
        void ready(int events);
    }

    private final LibC libc = Native.libc();
    private final int epfd;
    private final Map<Long, Handler> handlers = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    private final Thread thread;
    /**
     * The loop waits here, in Java, while nothing is registered: a thread blocked in native epoll_wait
     * would hold up every JVM exit by ~300 ms (HotSpot waits for threads in native code).
     */
    private final Object idle = new Object();
    /** True while the loop waits on {@link #idle}. */
    private volatile boolean idling;
    /** Tasks handed over by {@link #execute}, run on the loop thread in order. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Written by {@link #execute} to wake the loop from epoll; registered with token {@link #WAKE_TOKEN}. */
    private final int wakeFd;
    /** Set from the first {@link #execute} until the loop reads {@link #wakeFd}: one write per wake-up. */
    private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();
    private static final long WAKE_TOKEN = 0; // registration tokens start at 1
    private final byte[] wakeBuf = new byte[8];

    /** Tasks to run on the loop thread at a time (System.nanoTime), earliest first. Loop thread only. */
    private final java.util.PriorityQueue<Timer> timers = new java.util.PriorityQueue<>();
    private long timerSeq;
    private final Pointer timeout = Memory.allocateDirect(Native.runtime(), 16, true);
    private final Pointer loopEvent = Memory.allocateDirect(Native.runtime(), EVENT_SIZE, true);
    /** False once epoll_pwait2 turned out to be missing (glibc before 2.35, Linux before 5.11): ms timeouts. */
    private boolean nanoTimeouts = true;

    private record Timer(long at, long seq, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(at - o.at, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** Set by {@link #shutdown}: the thread ends once nothing is registered or due. Guarded by idle. */
    private boolean stopping;
    /** Set when the thread has ended and closed epfd and wakeFd. Guarded by idle. */
    private boolean ended;

    private EventLoop(int epfd, int wakeFd) {
        this.epfd = epfd;
        this.wakeFd = wakeFd;
        thread = new Thread(this::run, "joblet-io");
        thread.setDaemon(true); // a launcher never closed does not hold up the JVM's exit
    }

    /** A new loop and its thread. */
    static EventLoop open() throws IOException {
        LibC libc = Native.libc();
        int epfd = libc.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IOException("epoll_create1: " + Native.describe(Native.errno()));
        }
        int wakeFd = libc.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeFd < 0) {
            int e = Native.errno();
            libc.close(epfd);
            throw new IOException("eventfd: " + Native.describe(e));
        }
        Pointer ev = Memory.allocateDirect(Native.runtime(), EVENT_SIZE, true);
        ev.putInt(0, LibC.EPOLLIN);
        ev.putLong(4, WAKE_TOKEN);
        if (libc.epoll_ctl(epfd, LibC.EPOLL_CTL_ADD, wakeFd, ev) < 0) {
            int e = Native.errno();
            libc.close(wakeFd);
            libc.close(epfd);
            throw new IOException("epoll_ctl add eventfd: " + Native.describe(e));
        }
        EventLoop loop = new EventLoop(epfd, wakeFd);
        loop.thread.start();
        return loop;
    }

    /**
     * Lets the thread end once nothing is registered, queued or due (the owner refuses new registrations first),
     * and waits up to {@code nanos} for it; true once it has ended and closed its fds. Idempotent.
     */
    boolean shutdown(long nanos) {
        synchronized (idle) {
            stopping = true;
            idle.notifyAll(); // an idle loop sees it at once
            if (!ended) {
                libc.write(wakeFd, ONE, 8); // one in epoll wakes and sees it at the top of its loop
            }
        }
        try {
            thread.join(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (idle) {
            return ended;
        }
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * A new token for one registration, never handed out again. Take it, and store it where the handler will read
     * it, <em>before</em> {@link #add}: the handler may run on the loop thread before {@code add} returns, and a
     * handler that removed itself with a token not yet stored would stay registered, and keep what it holds
     * reachable, for ever.
     */
    public long token() {
        return tokens.incrementAndGet();
    }

    /**
     * Registers fd for {@code events} under {@code token} (from {@link #token()}), which {@link #remove} takes.
     * What the caller wrote before this call is visible to the handler.
     */
    public void add(int fd, int events, long token, Handler handler) throws IOException {
        if (handlers.putIfAbsent(token, handler) != null) {
            throw new IllegalArgumentException("token (" + token + ") is registered already");
        }
        synchronized (idle) {
            idle.notifyAll();
        }
        Pointer ev = Memory.allocateDirect(Native.runtime(), EVENT_SIZE);
        ev.putInt(0, events);
        ev.putLong(4, token);
        if (libc.epoll_ctl(epfd, LibC.EPOLL_CTL_ADD, fd, ev) < 0) {
            int err = Native.errno();
            handlers.remove(token);
            throw new IOException("epoll_ctl add fd " + fd + ": " + Native.describe(err));
        }
    }

    /**
     * Runs {@code task} on the loop thread soon, after the events being handled; tasks run in the order given.
     * Any thread; never blocks.
     */
    public void execute(Runnable task) {
        tasks.add(task);
        if (idling) {
            synchronized (idle) {
                idle.notifyAll();
            }
        } else if (wakePending.compareAndSet(false, true)) {
            synchronized (idle) {
                if (!ended) { // never a write to an fd number closed (and maybe reused) by the ended loop
                    libc.write(wakeFd, ONE, 8);
                }
            }
        }
    }

    /** 1 as eventfd's little-endian u64. */
    private static final byte[] ONE = {1, 0, 0, 0, 0, 0, 0, 0};

    private void runTasks() {
        wakePending.set(false); // before the queue is read: a later execute writes the eventfd again
        for (Runnable t; (t = tasks.poll()) != null; ) {
            try {
                t.run();
            } catch (RuntimeException | Error e) {
                log.error("loop task failed", e);
            }
        }
    }

    /**
     * Stops watching fd (no events at all, hang-ups included) until {@link #resume}; the registration stays.
     * Loop thread only.
     */
    public void suspend(int fd, long token) {
        libc.epoll_ctl(epfd, LibC.EPOLL_CTL_DEL, fd, loopEvent);
    }

    /** Watches a {@link #suspend}ed fd for {@code events} again, unless it was removed meanwhile. Loop thread only. */
    public void resume(int fd, long token, int events) {
        if (handlers.containsKey(token)) {
            loopEvent.putInt(0, events);
            loopEvent.putLong(4, token);
            if (libc.epoll_ctl(epfd, LibC.EPOLL_CTL_ADD, fd, loopEvent) < 0) {
                log.error("epoll_ctl add fd {} again: {}", fd, Native.describe(Native.errno()));
            }
        }
    }

    /** Runs {@code task} on the loop thread once, {@code nanos} from now or a little later. Loop thread only. */
    public void after(long nanos, Runnable task) {
        timers.add(new Timer(System.nanoTime() + nanos, timerSeq++, task));
    }

    /**
     * Stops reporting fd's {@code events} for {@code nanos} (errors and hang-ups are still reported), then
     * watches them again unless the registration was removed meanwhile. Does nothing where timeouts are whole
     * milliseconds (no epoll_pwait2): too long a pause. Loop thread only.
     */
    public void pause(int fd, long token, int events, long nanos) {
        if (nanoTimeouts && modify(fd, 0, token)) {
            after(nanos, () -> {
                if (handlers.containsKey(token)) {
                    modify(fd, events, token);
                }
            });
        }
    }

    /** EPOLL_CTL_MOD from the loop thread. */
    private boolean modify(int fd, int events, long token) {
        loopEvent.putInt(0, events);
        loopEvent.putLong(4, token);
        return libc.epoll_ctl(epfd, LibC.EPOLL_CTL_MOD, fd, loopEvent) == 0;
    }

    /** Runs the tasks that are due; returns nanoseconds until the next one, or -1 if none. */
    private long runTimers() {
        while (!timers.isEmpty()) {
            long wait = timers.peek().at - System.nanoTime();
            if (wait > 0) {
                return wait;
            }
            try {
                timers.poll().task.run();
            } catch (RuntimeException | Error e) {
                log.error("timer task failed", e);
            }
        }
        return -1;
    }

    private int await(Pointer events, long nanos) {
        if (nanos < 0) {
            return libc.epoll_wait(epfd, events, MAX_EVENTS, -1);
        }
        if (nanoTimeouts) {
            timeout.putLong(0, nanos / 1_000_000_000L);
            timeout.putLong(8, nanos % 1_000_000_000L);
            try {
                int n = libc.epoll_pwait2(epfd, events, MAX_EVENTS, timeout, null);
                if (n >= 0 || Native.errno() != LibC.ENOSYS) {
                    return n;
                }
                log.debug("epoll_pwait2: not in this kernel; timers to the millisecond");
            } catch (UnsatisfiedLinkError e) {
                log.debug("epoll_pwait2: not in this C library; timers to the millisecond", e);
            }
            nanoTimeouts = false;
        }
        return libc.epoll_wait(epfd, events, MAX_EVENTS, (int) Math.max(1, nanos / 1_000_000));
    }

    /** Stops watching fd; call before closing it. */
    public void remove(int fd, long token) {
        handlers.remove(token);
        libc.epoll_ctl(epfd, LibC.EPOLL_CTL_DEL, fd, Memory.allocateDirect(Native.runtime(), EVENT_SIZE));
    }

    private void run() {
        Pointer events = Memory.allocateDirect(Native.runtime(), EVENT_SIZE * MAX_EVENTS);
        while (true) {
            synchronized (idle) {
                idling = true;
                while (handlers.isEmpty() && timers.isEmpty() && tasks.isEmpty()) {
                    if (stopping) {
                        ended = true;
                        idling = false;
                        libc.close(wakeFd);
                        libc.close(epfd);
                        return;
                    }
                    try {
                        idle.wait();
                    } catch (InterruptedException e) {
                        // keep serving until shut down
                    }
                }
                idling = false;
            }
            runTasks();
            long next = runTimers();
            int n = await(events, tasks.isEmpty() ? next : 0);
            if (n < 0) {
                int err = Native.errno();
                if (err != LibC.EINTR) {
                    log.error("epoll_wait: {}", Native.describe(err));
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                int ev = events.getInt((long) i * EVENT_SIZE);
                long token = events.getLong((long) i * EVENT_SIZE + 4);
                if (token == WAKE_TOKEN) {
                    libc.read(wakeFd, wakeBuf, 8); // resets the counter; the tasks run at the top of the loop
                    continue;
                }
                Handler h = handlers.get(token);
                if (h == null) {
                    continue;
                }
                try {
                    h.ready(ev);
                } catch (RuntimeException | Error e) {
                    log.error("event handler failed", e);
                }
            }
        }
    }
}
