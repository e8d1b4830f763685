package dev.joblet;

import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.namespaces.FreshNetns;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.PreparedLaunch;
import dev.joblet.internal.Events;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm pool: native supervisors spawned ahead of their jobs, each already sitting in an empty cgroup of its
 * own (and, for {@link Network#NONE}, in a new network namespace with only {@code lo}). {@link JobSpec#start()}
 * takes one when it can (the cgroup is named by the id the job then takes, and holds the pids limit asked for last;
 * other limits are written then) and sends the config: the job clones from it and
 * inherits cgroup and network namespace, so neither a {@code cgroup.procs} write (which may wait out an RCU grace
 * period on cgroup v1) nor the creation of a network namespace is on the start path. Once two starts of a kind in a
 * row asked for the same root (equal but for hostname, workdir, argv and env), the supervisors of that kind are
 * prepared with the job already cloned and its root built (mounts, /proc, pivot_root): a start then only sends the
 * command; what does not depend on it (hostname when known, rlimits, bounding set, seccomp filter) is done before
 * the wait ({@link KindHistory}), and the job drops its ids and capabilities and execs. A start whose root or
 * hostname differs from a prepared one discards it and starts cold in its cgroup. One background thread
 * ({@code joblet-pool}) refills the pool, at nice 19 in the helpers; it exists only while the pool is in use.
 *
 * <p>Used for jobs with no stdin bytes, no CPU pinning, no user namespace (rootless JVMs and
 * {@code rootInUserNamespace()} start cold) and {@link Network#NONE} or {@link Network#HOST}, on cgroup v1 and
 * hybrid hosts (and for jobs without a cgroup anywhere); other jobs start cold, as they would without a
 * pool. The supervisor stays in the job's cgroup until the job ends: the pids limit is raised by one for it and the
 * reported peak lowered by one; its few hundred KiB count against a memory limit.
 *
 * <p>Size: {@code -Djoblet.pool.size} (default 2 per kind of job used, 0 = off) or {@link #setSize(int)}. A kind
 * not asked for during {@code -Djoblet.pool.idleMillis} (default 30,000) is drained; everything is drained when the
 * JVM exits normally and by {@link #drain()}. Nothing of a drained pool remains (processes, cgroups, fds, thread).
 * Thread-safe.
 */
public final class WarmPool {
    private static final Logger log = LoggerFactory.getLogger(WarmPool.class);
    private static final long IDLE_NANOS = Long.getLong("joblet.pool.idleMillis", 30_000L) * 1_000_000L;

    /** What a prepared supervisor is for: with or without a cgroup, in a new network namespace or the host's. */
    enum Kind {
        CGROUP_NONET(true, true), CGROUP_HOSTNET(true, false), NOCGROUP_NONET(false, true), NOCGROUP_HOSTNET(false, false);

        final boolean cgroup;
        final boolean newNetwork;

        Kind(boolean cgroup, boolean newNetwork) {
            this.cgroup = cgroup;
            this.newNetwork = newNetwork;
        }
    }

    /**
     * A prepared supervisor, its (empty) cgroup named by {@code id}, the id of the job it will run, the limits
     * already written into the cgroup (the pids limit last asked for by a job of its kind; none at first), and the
     * host identity its job will run as (the root built ahead belongs to it), until a job takes it.
     */
    record Entry(PreparedLaunch helper, @Nullable JobCgroup cgroup, String id, CgroupLimits written, IdentitySlot identity) {
        /** Hands the entry's host identity to the job that claimed it (null: none prepared); the job then owns it. */
        HostIdentities.@Nullable Lease takeIdentity() {
            return identity.take();
        }

        /** Ends the supervisor, removes its cgroup, then releases the identity no job took. */
        void discard() {
            helper.close();
            if (cgroup != null) {
                try {
                    cgroup.remove();
                } catch (IOException e) {
                    log.warn("warm pool: cannot remove cgroup {}: {}", cgroup.name(), e.getMessage());
                }
            }
            HostIdentities.Lease l = identity.take();
            if (l != null) {
                l.close();
            }
        }
    }

    /** A warm entry's host identity, handed over once. Thread-safe. */
    static final class IdentitySlot {
        private HostIdentities.@Nullable Lease lease; // guarded by this

        IdentitySlot(HostIdentities.@Nullable Lease lease) {
            this.lease = lease;
        }

        synchronized HostIdentities.@Nullable Lease take() {
            HostIdentities.Lease l = lease;
            lease = null;
            return l;
        }
    }

    private static final Object LOCK = new Object();
    // Guarded by LOCK.
    private static int size = sizeProperty();
    private static final Map<Kind, ArrayDeque<Entry>> READY = new EnumMap<>(Kind.class);
    private static final Map<Kind, Long> LAST_ASKED = new EnumMap<>(Kind.class);
    /**
     * Kinds whose last preparation failed: not prepared (and not claimed) again before this System.nanoTime(), with a
     * delay that doubles at each failure in a row (100 ms up to 30 s) and is forgotten at the next success. A failure
     * (a busy host, a transient errno) therefore never turns a kind off for the rest of the JVM's life.
     */
    private static final Map<Kind, long[]> BROKEN = new EnumMap<>(Kind.class); // {retry at, delay}
    /** What the last jobs of each kind asked for (one per kind, made here, never replaced). */
    private static final Map<Kind, KindHistory> HISTORY = new EnumMap<>(Kind.class);
    private static @Nullable Thread filler;

    static {
        for (Kind k : Kind.values()) {
            HISTORY.put(k, new KindHistory());
        }
    }

    private WarmPool() {}

    private static KindHistory history(Kind kind) {
        return Objects.requireNonNull(HISTORY.get(kind), "every kind has a history"); // see the static block
    }

    private static int sizeProperty() {
        String v = System.getProperty("joblet.pool.size", "2");
        try {
            return check(Integer.parseInt(v.strip()));
        } catch (IllegalArgumentException e) {
            log.warn("joblet.pool.size (\"{}\") must be a number from 0 to 64: the warm pool is off", v);
            return 0;
        }
    }

    private static int check(int value) {
        if (value < 0 || value > 64) {
            throw new IllegalArgumentException("size (" + value + ") must be from 0 to 64");
        }
        return value;
    }

    /** Prepared supervisors kept per kind of job in use (0 = no pool: every job starts cold). */
    public static int size() {
        synchronized (LOCK) {
            return size;
        }
    }

    /** Sets the size; 0 turns the pool off and drains it. */
    public static void setSize(int value) {
        check(value);
        synchronized (LOCK) {
            size = value;
            LOCK.notifyAll();
        }
        if (value == 0) {
            drain();
        }
    }

    /** Supervisors ready now, all kinds together. */
    public static int ready() {
        synchronized (LOCK) {
            return READY.values().stream().mapToInt(ArrayDeque::size).sum();
        }
    }

    /** Supervisors ready now whose job's root is built already (see {@link #learn}). */
    static int readyWithRoot() {
        synchronized (LOCK) {
            return (int) READY.values().stream().flatMap(ArrayDeque::stream).filter(e -> e.helper().rootBuilt()).count();
        }
    }

    /**
     * Ends every prepared supervisor, removes its cgroup and waits for the refill thread to exit; also closes the
     * network namespaces made ahead for cold starts ({@link FreshNetns}) and ends their thread.
     */
    public static void drain() {
        List<Entry> all = new ArrayList<>();
        Thread t;
        synchronized (LOCK) {
            LAST_ASKED.clear();
            READY.values().forEach(all::addAll);
            READY.clear();
            t = filler;
            LOCK.notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            synchronized (LOCK) { // what it prepared after we looked
                READY.values().forEach(all::addAll);
                READY.clear();
            }
        }
        all.forEach(Entry::discard);
        if (!all.isEmpty()) {
            log.debug("warm pool drained: {} supervisors", all.size());
        }
        FreshNetns.drain(); // the network namespaces made ahead for cold starts, and their thread
    }

    /** The kind of supervisor {@code spec} can start from, or null when it must start cold. */
    static @Nullable Kind kindFor(JobSpec spec) {
        if (!spec.usesWarmPool() || spec.stdin().isPresent() || spec.cpus().isPresent() || spec.tty()) {
            return null;
        }
        if (Host.rootless() || spec.security().rootInUserNamespace()) {
            return null; // a job in its own user namespace may not bring up lo in a netns the supervisor made
        }
        boolean newNet;
        if (spec.network() == Network.NONE) {
            newNet = true;
        } else if (spec.network() == Network.HOST) {
            newNet = false;
        } else {
            return null;
        }
        if (spec.needsCgroup()) {
            try {
                if (Host.cgroups().layout() == CgroupLayout.V2) {
                    return null; // v2 joins with CLONE_INTO_CGROUP at clone time already
                }
            } catch (IOException e) {
                return null; // the cold path reports it
            }
            return newNet ? Kind.CGROUP_NONET : Kind.CGROUP_HOSTNET;
        }
        return newNet ? Kind.NOCGROUP_NONET : Kind.NOCGROUP_HOSTNET;
    }

    /**
     * A prepared supervisor for {@code spec}, whose cgroup (named by the entry's {@link Entry#id}, which becomes the
     * job's id) holds the spec's limits, or null when none is ready (the pool is asked to prepare some for next
     * time) or the one ready holds limits the spec does not override (it is discarded: the job starts cold). The
     * caller owns the entry.
     */
    static @Nullable Entry claim(JobSpec spec) throws JobStartException {
        Kind kind = kindFor(spec);
        if (kind == null) {
            return null;
        }
        CgroupLimits wanted = null;
        if (kind.cgroup) {
            try {
                wanted = Host.cgroupLimits(spec, 1); // the supervisor sits in the cgroup too
            } catch (IOException e) {
                return null; // the cold path reports it
            }
        }
        Entry e;
        synchronized (LOCK) {
            if (size == 0 || broken(kind, System.nanoTime())) {
                return null;
            }
            LAST_ASKED.put(kind, System.nanoTime());
            ArrayDeque<Entry> q = READY.get(kind);
            e = null;
            if (q != null) {
                e = q.pollFirst();
                while (e != null && !e.helper().isAlive()) { // killed while it waited: its remains go off the start path
                    Events.executor().execute(e::discard);
                    e = q.pollFirst();
                }
            }
            // The refill waits for refill(), called once this start is over: on 2 cores it would compete with it.
            startFiller();
        }
        if (wanted != null) {
            history(kind).claimed(wanted);
        }
        if (e == null || e.cgroup() == null || wanted == null || wanted.equals(e.written())) {
            return e;
        }
        if (!KindHistory.overrides(wanted, e.written())) {
            Entry stale = e;
            Events.executor().execute(stale::discard); // a limit it holds would stay: off the start path
            return null;
        }
        try {
            e.cgroup().applyLimits(wanted);
        } catch (IOException | RuntimeException x) {
            e.discard();
            throw Host.cgroupFailure(e.id().substring(0, 8), spec.command().get(0), x);
        }
        return new Entry(e.helper(), e.cgroup(), e.id(), wanted, e.identity());
    }

    /**
     * Remembers what a job of {@code spec}'s kind was started with: once two starts in a row had the same root
     * (equal requests but for hostname, workdir, argv and env), supervisors are prepared with that root already
     * built, so that a start only sends the command.
     */
    static void learn(JobSpec spec, LaunchRequest request, JobIdentity identity) {
        Kind kind = kindFor(spec);
        if (kind == null || request.mounts().stream().anyMatch(m -> m.kind() == dev.joblet.namespaces.MountOp.Kind.MOVE)) {
            // A root with a workspace moved in from one of this JVM's descriptors is never built ahead: the
            // descriptor is the job's, and its number may name another job's by the time a root would be built.
            return;
        }
        history(kind).started(spec, request, identity); // compared by the refill thread, off the start path
    }

    /** Wakes the refill thread: a start that may have taken a supervisor is over (launched or failed). */
    static void refill() {
        synchronized (LOCK) {
            if (filler != null) {
                LOCK.notifyAll();
            }
        }
    }

    /** Caller holds LOCK. */
    private static void startFiller() {
        if (filler != null) {
            return;
        }
        Thread t = new Thread(WarmPool::fill, "joblet-pool");
        t.setDaemon(true);
        filler = t;
        t.start();
    }

    /** The refill thread: prepares what is missing; drains kinds not asked for lately; exits when nothing is in use. */
    private static void fill() {
        while (true) {
            Kind next = null;
            List<Entry> idle = new ArrayList<>();
            synchronized (LOCK) {
                long now = System.nanoTime();
                long wait = Long.MAX_VALUE;
                for (Kind k : Kind.values()) {
                    Long asked = LAST_ASKED.get(k);
                    if (asked == null) {
                        continue;
                    }
                    if (now - asked > IDLE_NANOS || size == 0) {
                        LAST_ASKED.remove(k);
                        ArrayDeque<Entry> q = READY.remove(k);
                        if (q != null) {
                            idle.addAll(q);
                        }
                        continue;
                    }
                    wait = Math.min(wait, IDLE_NANOS - (now - asked));
                    ArrayDeque<Entry> q = READY.computeIfAbsent(k, x -> new ArrayDeque<>());
                    long[] b = BROKEN.get(k);
                    if (b != null && now - b[0] < 0) {
                        wait = Math.min(wait, b[0] - now);
                    }
                    if (next == null && q.size() < size && !broken(k, now)) {
                        next = k;
                    }
                }
                if (next == null && idle.isEmpty()) {
                    if (LAST_ASKED.isEmpty()) {
                        filler = null;
                        return;
                    }
                    try {
                        LOCK.wait(Math.max(1, wait / 1_000_000L + 1));
                    } catch (InterruptedException e) {
                        filler = null;
                        return;
                    }
                    continue;
                }
            }
            idle.forEach(Entry::discard);
            if (next == null) {
                continue;
            }
            Entry made = null;
            try {
                made = prepare(next);
            } catch (IOException | RuntimeException e) {
                log.info("warm pool: cannot prepare a supervisor for {}; jobs of that kind start cold for a while: {}", next,
                        e.getMessage());
            }
            synchronized (LOCK) {
                if (made == null) {
                    long[] b = BROKEN.get(next);
                    long delay = b == null ? 100_000_000L : Math.min(2 * b[1], 30_000_000_000L);
                    BROKEN.put(next, new long[] {System.nanoTime() + delay, delay});
                } else {
                    BROKEN.remove(next);
                    if (LAST_ASKED.containsKey(next) && size > 0) {
                        READY.computeIfAbsent(next, x -> new ArrayDeque<>()).addLast(made);
                        made = null;
                    }
                }
            }
            if (made != null) {
                made.discard(); // drained while it was being made
            }
        }
    }

    /** Caller holds LOCK. */
    private static boolean broken(Kind kind, long now) {
        long[] b = BROKEN.get(kind);
        return b != null && now - b[0] < 0;
    }

    private static Entry prepare(Kind kind) throws IOException {
        String id = UUID.randomUUID().toString();
        // The identity of the job this supervisor will run: its root is built for it. None left (every id in use):
        // the entry is made without one, and the job that takes it allocates its own (or is told why it cannot).
        HostIdentities.Lease lease = null;
        if (!Host.rootless()) {
            try {
                lease = Host.identities().allocate();
            } catch (IOException | RuntimeException e) {
                log.debug("warm pool: no host identity for a prepared supervisor: {}", e.getMessage());
            }
        }
        KindHistory.Plan plan = history(kind).plan(id, lease == null ? null : JobIdentity.own(lease));
        LaunchRequest template = plan.template();
        CgroupLimits limits = plan.limits();
        JobCgroup cg = null;
        try {
            cg = kind.cgroup ? Host.cgroups().create(id, limits) : null;
            List<java.nio.file.Path> files = cg == null ? List.of() : cg.joinFiles(); // a supervisor is single-threaded
            PreparedLaunch helper = template == null ? DefaultLauncher.get().prepare(files, kind.newNetwork)
                    : DefaultLauncher.get().prepare(files, kind.newNetwork, template, plan.earlySeccomp());
            return new Entry(helper, cg, id, limits, new IdentitySlot(lease));
        } catch (IOException | RuntimeException e) {
            if (cg != null) {
                try {
                    cg.remove();
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            if (lease != null) {
                lease.close();
            }
            throw e;
        }
    }
}
