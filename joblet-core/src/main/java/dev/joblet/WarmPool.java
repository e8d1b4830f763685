package dev.joblet;

import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.Launcher;
import dev.joblet.namespaces.PreparedLaunch;
import dev.joblet.internal.Prefill;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * ({@code joblet-pool}, a {@link Prefill}) refills the pool, at nice 19 in the helpers; it exists only while the
 * pool is in use.
 *
 * <p>Used for jobs with no stdin bytes, no CPU pinning, no user namespace (rootless JVMs and
 * {@code rootInUserNamespace()} start cold) and {@link Network#NONE} or {@link Network#HOST}, on cgroup v1 and
 * hybrid hosts (and for jobs without a cgroup anywhere); other jobs start cold, as they would without a
 * pool. The supervisor stays in the job's cgroup until the job ends: the pids limit is raised by one for it and the
 * reported peak lowered by one; its few hundred KiB count against a memory limit.
 *
 * <p>Supervisors are kept per {@link Key}: the kind, and the job's {@code /tmp} size (which follows the memory
 * limit unless set), so that jobs with different {@code /tmp} sizes each keep a root built for them.
 *
 * <p>One per {@link Joblet} instance, which closes it. Size: {@link JobletConfig#warmPoolSize()} (default 2 per key
 * in use, 0 = off). A key not asked for during {@link JobletConfig#warmPoolIdle()} (default 30 s) is drained;
 * everything is drained by {@link #close()}. A key whose preparation failed is retried after a delay (100 ms
 * doubling to 30 s). Nothing of a drained pool remains (processes, cgroups, fds, thread). Thread-safe.
 */
final class WarmPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WarmPool.class);

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
     * What supervisors are kept apart by: their kind, and the size of the job's {@code /tmp}, which by default follows
     * the memory limit and is part of a root built ahead. Jobs that differ only in limits share supervisors (and a
     * root built ahead) when they have the same {@code /tmp}; jobs with and without a memory limit each have their
     * own, so that neither keeps finding a root built for the other (which it would discard and start cold).
     */
    record Key(Kind kind, long tmpBytes, long tmpInodes) {}

    /** Most keys whose history is remembered; the least recently used is forgotten first. */
    private static final int HISTORIES_MAX = 64;

    /**
     * A prepared supervisor, its (empty) cgroup named by {@code id}, the id of the job it will run, the limits
     * already written into the cgroup (the pids limit last asked for by a job of its kind; none at first), and the
     * host identity its job will run as (the root built ahead belongs to it), until a job takes it.
     */
    record Entry(PreparedLaunch helper, @Nullable JobCgroup cgroup, JobId id, CgroupLimits written, IdentitySlot identity) {
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

    private final Host host;
    private final Joblet owner;
    /** What the last jobs of each key asked for (made here on first use; at most HISTORIES_MAX). Guarded by itself. */
    private final Map<Key, KindHistory> history = new LinkedHashMap<>(16, 0.75f, true);
    private final Prefill<Key, Entry> prefill;

    /** Prepares supervisors with {@code owner}'s launcher (made on first use, by the filler thread). */
    WarmPool(JobletConfig config, Host host, Joblet owner) {
        this.host = host;
        this.owner = owner;
        int size = config.warmPoolSize();
        this.prefill = new Prefill<>("joblet-pool", this::prepare, Entry::discard, k -> size,
                config.warmPoolIdle().toNanos(), null, 0);
    }

    private KindHistory history(Key key) {
        synchronized (history) {
            KindHistory h = history.get(key);
            if (h == null) {
                if (history.size() >= HISTORIES_MAX) {
                    Key eldest = history.keySet().iterator().next();
                    history.remove(eldest);
                }
                h = new KindHistory();
                history.put(key, h);
            }
            return h;
        }
    }

    /** The key of the supervisors {@code spec} can start from, or null when it must start cold. */
    @Nullable Key keyFor(JobSpec spec) {
        Kind kind = kindFor(spec);
        return kind == null ? null : new Key(kind, spec.tmpSize().bytes(), spec.tmpInodes());
    }

    /** Supervisors ready now, all kinds together. */
    int ready() {
        return prefill.ready();
    }

    /** Supervisors ready now whose job's root is built already (see {@link #learn}). */
    int readyWithRoot() {
        return prefill.count(e -> e.helper().rootBuilt());
    }

    /** Whether the refill thread exists now (tests). */
    boolean hasFiller() {
        return prefill.hasFiller();
    }

    /** Ends every prepared supervisor and its cgroup and waits for the refill thread; later claims start over. */
    void drain() {
        prefill.drain();
    }

    /** Ends every prepared supervisor, removes its cgroup and waits for the refill thread to exit; idempotent. */
    @Override
    public void close() {
        prefill.close();
    }

    /** The kind of supervisor {@code spec} can start from, or null when it must start cold. */
    @Nullable Kind kindFor(JobSpec spec) {
        if (spec.stdin().isPresent() || spec.cpus().isPresent() || spec.tty()) {
            return null;
        }
        if (host.rootless() || spec.security().rootInUserNamespace()) {
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
                if (host.cgroups().layout() == CgroupLayout.V2) {
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
    @Nullable Entry claim(JobSpec spec) throws JobStartException {
        Key key = keyFor(spec);
        if (key == null) {
            return null;
        }
        CgroupLimits wanted = null;
        if (key.kind().cgroup) {
            try {
                wanted = Host.cgroupLimits(spec, 1); // the supervisor sits in the cgroup too
            } catch (IOException e) {
                return null; // the cold path reports it
            }
        }
        Entry e = prefill.take(key);
        while (e != null && !e.helper().isAlive()) { // killed while it waited: its remains go off the start path
            owner.events().execute(e::discard);
            e = prefill.take(key);
        }
        // The refill waits for refill(), called once this start is over: on 2 cores it would compete with it.
        if (wanted != null) {
            history(key).claimed(wanted);
        }
        if (e == null || e.cgroup() == null || wanted == null || wanted.equals(e.written())) {
            return e;
        }
        if (!KindHistory.overrides(wanted, e.written())) {
            Entry stale = e;
            owner.events().execute(stale::discard); // a limit it holds would stay: off the start path
            return null;
        }
        try {
            e.cgroup().applyLimits(wanted);
        } catch (IOException | RuntimeException x) {
            e.discard();
            throw host.cgroupFailure(e.id(), spec.command().get(0), x);
        }
        return new Entry(e.helper(), e.cgroup(), e.id(), wanted, e.identity());
    }

    /**
     * Remembers what a job of {@code spec}'s kind was started with: once two starts in a row had the same root
     * (equal requests but for hostname, workdir, argv and env), supervisors are prepared with that root already
     * built, so that a start only sends the command.
     */
    void learn(JobSpec spec, LaunchRequest request, JobIdentity identity) {
        Key key = keyFor(spec);
        if (key == null || request.mounts().stream().anyMatch(m -> m.kind() == dev.joblet.namespaces.MountOp.Kind.MOVE)) {
            // A root with a workspace moved in from one of this JVM's descriptors is never built ahead: the
            // descriptor is the job's, and its number may name another job's by the time a root would be built.
            return;
        }
        history(key).started(spec, request, identity); // compared by the refill thread, off the start path
    }

    /** Wakes the refill thread: a start that may have taken a supervisor is over (launched or failed). */
    void refill() {
        prefill.refill();
    }

    private Entry prepare(Key key) throws IOException {
        Kind kind = key.kind();
        JobId id = JobId.random();
        // The identity of the job this supervisor will run: its root is built for it. None left (every id in use):
        // the entry is made without one, and the job that takes it allocates its own (or is told why it cannot).
        HostIdentities.Lease lease = null;
        if (!host.rootless()) {
            try {
                lease = host.identities().allocate();
            } catch (IOException | RuntimeException e) {
                log.debug("warm pool: no host identity for a prepared supervisor: {}", e.getMessage());
            }
        }
        KindHistory.Plan plan = history(key).plan(id, lease == null ? null : JobIdentity.own(lease));
        LaunchRequest template = plan.template();
        CgroupLimits limits = plan.limits();
        JobCgroup cg = null;
        try {
            cg = kind.cgroup ? host.cgroups().create(id.toString(), limits) : null;
            List<java.nio.file.Path> files = cg == null ? List.of() : cg.joinFiles(); // a supervisor is single-threaded
            Launcher l = owner.launcher();
            PreparedLaunch helper = template == null ? l.prepare(files, kind.newNetwork)
                    : l.prepare(files, kind.newNetwork, template, plan.earlySeccomp());
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
