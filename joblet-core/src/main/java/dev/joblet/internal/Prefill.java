package dev.joblet.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Things made ahead of their use, so that a job's start takes a ready one instead of making it: warm supervisors,
 * network namespaces, a private network's attachments. Per key (a kind of thing) a set of ready items is topped up to
 * a target by one filler thread of its own, which exists only while there is something to make or a deadline to
 * watch, and makes one item at a time, off the start path.
 *
 * <ul>
 *   <li>{@link #take} hands out a ready item (the caller then owns it) or null, and marks the key as in use; the
 *       first take of a key starts the filler, which makes for the key with the fewest ready items first (of those
 *       in use and short of their target), so that a filler that cannot keep up starves none. {@link #refill()} wakes it once a start is over; after a take
 *       that got an item the filler waits {@code takeDelayNanos} first (a refill would compete with the start on a
 *       small machine).
 *   <li>A key not taken during {@code idleNanos} is forgotten and its items discarded ({@link Long#MAX_VALUE}: never).
 *   <li>A failure to make an item does not turn the key off: it is retried after 100 ms, doubling up to 30 s, and the
 *       delay is forgotten at the next success. Meanwhile {@link #take} hands out only what is ready.
 *       {@link #disable} turns the whole prefill off for good, for a fact of the host that will not change.
 *   <li>{@link #drain()} discards every ready item and waits for the filler to exit (a later take starts over);
 *       {@link #close()} drains and refuses to make more. Nothing of a drained prefill remains (items, thread).
 * </ul>
 *
 * Thread-safe (one lock; items are made and discarded outside it).
 *
 * @param <K> the key: which kind of item
 * @param <T> the item; the prefill owns it until {@link #take} hands it out
 */
public final class Prefill<K, T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Prefill.class);
    static final long FIRST_RETRY_NANOS = 100_000_000L;
    static final long LAST_RETRY_NANOS = 30_000_000_000L;

    /** Makes one item for a key, on the filler thread. */
    @FunctionalInterface
    public interface Maker<K, T> {
        T make(K key) throws IOException;
    }

    private final String name;
    private final Maker<K, T> maker;
    private final Consumer<T> discard;
    private final ToIntFunction<K> target;
    private final long idleNanos;
    private final @Nullable Comparator<T> order;
    private final long takeDelayNanos;

    private final Object lock = new Object();
    // Guarded by lock.
    private final Map<K, List<T>> ready = new LinkedHashMap<>();
    private final Map<K, Long> lastAsked = new LinkedHashMap<>();
    /** Keys whose last make failed: {retry at (nanoTime), delay}. */
    private final Map<K, long[]> backoff = new HashMap<>();
    /** Items being made now, per key. */
    private final Map<K, Integer> making = new HashMap<>();
    /** The filler makes nothing before this nanoTime (set by a take, so that it does not compete with the start). */
    private long holdUntil;
    private @Nullable Thread filler;
    private @Nullable String off;
    private long taken; // guarded by lock
    private boolean closed;

    /**
     * @param name the filler thread's name (and the log's)
     * @param target how many items to keep ready for a key, asked again before each make (0: make none; a take then
     *     returns null, and items already ready stay until the key is forgotten, idle or drained)
     * @param idleNanos a key not taken for this long is forgotten; {@link Long#MAX_VALUE}: never
     * @param order the order {@link #take} hands out items in (lowest first); null: first made, first out
     * @param takeDelayNanos after a take that got an item, the filler makes nothing for this long
     */
    public Prefill(String name, Maker<K, T> maker, Consumer<T> discard, ToIntFunction<K> target, long idleNanos,
            @Nullable Comparator<T> order, long takeDelayNanos) {
        this.takeDelayNanos = takeDelayNanos;
        this.name = name;
        this.maker = maker;
        this.discard = discard;
        this.target = target;
        this.idleNanos = idleNanos;
        this.order = order;
    }

    /**
     * A ready item of {@code key} (the caller owns it), or null when none is ready (also while the key backs off
     * after a failure: what is ready is still handed out), its target is 0, or the prefill is off; the key counts as
     * in use from now, and the filler starts if it is not running (it then makes what is missing).
     */
    public @Nullable T take(K key) {
        synchronized (lock) {
            if (closed || off != null || target.applyAsInt(key) <= 0) {
                return null;
            }
            if (lastAsked.put(key, System.nanoTime()) == null) {
                lock.notifyAll(); // a key new to a filler that waits: it has something to make now
            }
            List<T> q = ready.get(key);
            T item = q == null || q.isEmpty() ? null : q.remove(0);
            if (item != null) {
                taken++;
            }
            if (item != null && takeDelayNanos > 0) {
                holdUntil = System.nanoTime() + takeDelayNanos;
            }
            startFiller();
            return item;
        }
    }

    /** Wakes the filler, if it runs: a start that may have taken an item is over. */
    public void refill() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Whether an item of {@code key} is being made now (a caller may wait for it: see {@link #awaitMaking}). */
    public boolean isMaking(K key) {
        synchronized (lock) {
            return making.getOrDefault(key, 0) > 0;
        }
    }

    /** Waits until no item of {@code key} is being made, or (with {@code orReady}) one is ready. */
    public void awaitMaking(K key, boolean orReady) throws InterruptedException {
        synchronized (lock) {
            while (making.getOrDefault(key, 0) > 0 && !(orReady && !ready.getOrDefault(key, List.of()).isEmpty())) {
                lock.wait();
            }
        }
    }

    /** Items ready now, all keys together. */
    public int ready() {
        synchronized (lock) {
            return ready.values().stream().mapToInt(List::size).sum();
        }
    }

    /** Items ready now for which {@code p} holds. */
    public int count(Predicate<T> p) {
        synchronized (lock) {
            return (int) ready.values().stream().flatMap(List::stream).filter(p).count();
        }
    }

    /** How many items {@link #take} has handed out. */
    public long taken() {
        synchronized (lock) {
            return taken;
        }
    }

    /** Whether the filler thread exists now. */
    public boolean hasFiller() {
        synchronized (lock) {
            return filler != null;
        }
    }

    /**
     * Forgets {@code key} and hands its ready items to the caller, who then owns them (a later take starts over);
     * call it once nothing of the key is being made ({@link #awaitMaking}) and its target is 0, so that none follows.
     */
    public List<T> forget(K key) {
        synchronized (lock) {
            lastAsked.remove(key);
            backoff.remove(key);
            List<T> gone = ready.remove(key);
            lock.notifyAll();
            return gone == null ? List.of() : gone;
        }
    }

    /** Discards every ready item and waits for the filler to exit; a later {@link #take} starts over. */
    public void drain() {
        List<T> all = new ArrayList<>();
        Thread t;
        synchronized (lock) {
            lastAsked.clear();
            ready.values().forEach(all::addAll);
            ready.clear();
            t = filler;
            lock.notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            Executors2.joinUninterruptibly(t);
            synchronized (lock) { // what it made after we looked
                ready.values().forEach(all::addAll);
                ready.clear();
            }
        }
        all.forEach(this::discardQuietly);
        if (!all.isEmpty()) {
            log.debug("{}: drained {} items", name, all.size());
        }
    }

    /** Turns the prefill off for good ({@code why} is logged once) and drains it. */
    public void disable(String why) {
        synchronized (lock) {
            if (off != null) {
                return;
            }
            off = why;
        }
        log.warn("{} is off: {}", name, why);
        drain();
    }

    /** Whether {@link #disable} or {@link #close} turned it off. */
    public boolean isOff() {
        synchronized (lock) {
            return off != null || closed;
        }
    }

    /** Drains and makes nothing more; idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        drain();
    }

    /** Caller holds lock. */
    private boolean backingOff(K key, long now) {
        long[] b = backoff.get(key);
        return b != null && now - b[0] < 0;
    }

    /** Caller holds lock. */
    private void startFiller() {
        if (filler != null) {
            return;
        }
        Thread t = new Thread(this::fill, name);
        t.setDaemon(true);
        filler = t;
        t.start();
    }

    /** The filler: makes what is missing, forgets idle keys, exits when nothing is to be made or watched. */
    private void fill() {
        while (true) {
            K next = null;
            int nextHave = Integer.MAX_VALUE; // the key with the fewest ready items goes first, so none starves
            List<T> idle = new ArrayList<>();
            synchronized (lock) {
                long now = System.nanoTime();
                long wait = Long.MAX_VALUE;
                boolean held = now - holdUntil < 0;
                for (Map.Entry<K, Long> e : new ArrayList<>(lastAsked.entrySet())) {
                    K k = e.getKey();
                    long asked = e.getValue();
                    if (closed || off != null || now - asked > idleNanos) {
                        lastAsked.remove(k);
                        List<T> q = ready.remove(k);
                        if (q != null) {
                            idle.addAll(q);
                        }
                        continue;
                    }
                    if (idleNanos != Long.MAX_VALUE) {
                        wait = Math.min(wait, idleNanos - (now - asked));
                    }
                    long[] b = backoff.get(k);
                    if (b != null && now - b[0] < 0) {
                        wait = Math.min(wait, b[0] - now);
                    }
                    int have = ready.getOrDefault(k, List.of()).size();
                    if (have < target.applyAsInt(k) && !backingOff(k, now)) {
                        if (held) {
                            wait = Math.min(wait, holdUntil - now);
                        } else if (have < nextHave) {
                            next = k;
                            nextHave = have;
                        }
                    }
                }
                if (next == null && idle.isEmpty()) {
                    if (wait == Long.MAX_VALUE) {
                        filler = null;
                        lock.notifyAll();
                        return;
                    }
                    try {
                        lock.wait(Math.max(1, wait / 1_000_000L + 1));
                    } catch (InterruptedException e) {
                        filler = null;
                        lock.notifyAll();
                        return;
                    }
                    continue;
                }
                if (next != null) {
                    making.merge(next, 1, Integer::sum);
                }
            }
            idle.forEach(this::discardQuietly);
            if (next == null) {
                continue;
            }
            T made = null;
            try {
                made = maker.make(next);
            } catch (IOException | RuntimeException e) {
                boolean first;
                synchronized (lock) {
                    first = !backoff.containsKey(next);
                }
                if (first) { // once per run of failures; the retries at DEBUG
                    log.info("{}: cannot make one for {}; retrying later: {}", name, next, e.getMessage());
                } else {
                    log.debug("{}: cannot make one for {} (again): {}", name, next, e.getMessage());
                }
            }
            synchronized (lock) {
                making.merge(next, -1, Integer::sum);
                if (made == null) {
                    long[] b = backoff.get(next);
                    long delay = b == null ? FIRST_RETRY_NANOS : Math.min(2 * b[1], LAST_RETRY_NANOS);
                    backoff.put(next, new long[] {System.nanoTime() + delay, delay});
                } else {
                    backoff.remove(next);
                    if (!closed && off == null && lastAsked.containsKey(next)) {
                        List<T> q = ready.computeIfAbsent(next, x -> new ArrayList<>());
                        q.add(made);
                        if (order != null) {
                            q.sort(order);
                        }
                        made = null;
                    }
                }
                lock.notifyAll();
            }
            if (made != null) {
                discardQuietly(made); // drained while it was being made
            }
        }
    }

    private void discardQuietly(T item) {
        try {
            discard.accept(item);
        } catch (RuntimeException e) {
            log.warn("{}: cannot discard {}: {}", name, item, e.getMessage());
        }
    }
}
