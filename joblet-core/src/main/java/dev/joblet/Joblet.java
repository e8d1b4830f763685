package dev.joblet;

import dev.joblet.internal.EnvironmentProbe;
import dev.joblet.namespaces.Launcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point, and the owner of everything jobs share: the cgroup driver, the launcher of the native helper, the
 * host identities, the staging dir of job roots, the warm supervisors and the network namespaces made ahead, and the
 * jobs it started. Built from an immutable {@link JobletConfig}; two instances with different configurations live
 * side by side in one JVM. Thread-safe.
 *
 * <pre>{@code
 * try (Joblet joblet = Joblet.create(JobletConfig.builder().warmPoolSize(0).build())) {
 *     try (Job job = joblet.start(Joblet.builder().command("bash", "-c", "ps aux").build())) { ... }
 * }
 * }</pre>
 *
 * <p>{@link #system()} is the default instance, made on first use from {@link JobletConfig#fromSystemProperties()};
 * {@link JobSpec#start()} starts its jobs there. It alone registers a JVM shutdown hook, which closes it when the JVM
 * exits normally; closing it earlier removes the hook.
 *
 * <p>Nothing is made before the first job needs it. {@link #close()} refuses new jobs, closes the jobs the instance
 * started (killing what still runs), drains its pools, ends their threads and removes its cgroups' owner
 * directories, and returns once nothing of them remains. A job runs in its own namespaces, read-only root and pids
 * limit; see {@link JobSpec.Builder} for everything a job can ask for.
 */
public final class Joblet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Joblet.class);

    private static final Object SYSTEM_LOCK = new Object();
    /** The default instance: the one JVM-wide reference, set once (a closed one stays, and refuses jobs). */
    private static @Nullable Joblet system; // guarded by SYSTEM_LOCK

    private final JobletConfig config;
    private final Host host;
    private final WarmPool warmPool;
    private final NetnsPool netns;
    /** Where jobs are finished and timeouts fire ({@code joblet-events}). */
    private final dev.joblet.internal.Events events = new dev.joblet.internal.Events();
    /** Where log events reach subscribers ({@code joblet-logs-N}). */
    private final dev.joblet.internal.LogDelivery logDelivery = new dev.joblet.internal.LogDelivery();
    /** Its private networks and their host side (made on the first network), removed by close(). */
    private final JobletNetworks networks = new JobletNetworks();
    /** Jobs started here that may still hold something (processes, cgroup, workspace, spill) until closed. */
    private final Set<Job> jobs = ConcurrentHashMap.newKeySet();
    private final @Nullable Thread shutdownHook;

    private final Object lock = new Object();
    private @Nullable Launcher launcher; // guarded by lock
    private boolean closed; // guarded by lock
    private boolean closeDone; // guarded by lock
    /** Starts under way; close() waits for them. Guarded by lock. */
    private int starting;

    private Joblet(JobletConfig config, boolean withShutdownHook) {
        config.checkOnThisHost();
        this.config = config;
        this.host = new Host(config, withShutdownHook);
        this.warmPool = new WarmPool(config, host, this);
        this.netns = new NetnsPool(config.netnsPoolSize());
        this.shutdownHook = withShutdownHook ? new Thread(this::close, "joblet-shutdown") : null;
    }

    /**
     * A new instance with {@code config}; the caller closes it.
     *
     * @throws IllegalArgumentException naming the setting and its value when the config does not fit this host: a
     *     cgroup root that is not a directory of the cgroup v2 hierarchy at or under this process's own cgroup, or a
     *     state, runtimes or volumes root that exists and is not a directory
     */
    public static Joblet create(JobletConfig config) {
        dev.joblet.internal.Args.nonNull(config, "config");
        return new Joblet(config, false);
    }

    /** A new instance with {@link JobletConfig#defaults()}; the caller closes it. */
    public static Joblet create() {
        return create(JobletConfig.defaults());
    }

    /**
     * The default instance, made on first use from {@link JobletConfig#fromSystemProperties()} (the legacy
     * {@code joblet.*} system properties and {@code JOBLET_*} variables), closed by a shutdown hook when the JVM exits.
     * Once closed it stays closed: it then refuses to start jobs.
     *
     * @throws IllegalArgumentException when one of those properties is malformed (naming it and its value)
     */
    public static Joblet system() {
        synchronized (SYSTEM_LOCK) {
            Joblet j = system;
            if (j == null) {
                j = new Joblet(JobletConfig.fromSystemProperties(), true);
                Thread hook = j.shutdownHook;
                if (hook != null) {
                    java.lang.Runtime.getRuntime().addShutdownHook(hook);
                }
                system = j;
            }
            return j;
        }
    }

    /** A new builder of a {@link JobSpec}; builders are not thread-safe, specs are immutable. */
    public static JobSpec.Builder builder() {
        return new JobSpec.Builder();
    }

    public JobletConfig config() {
        return config;
    }

    /**
     * Starts a job of {@code spec}, owned by this instance until it is closed (the caller closes it; at the latest
     * {@link #close()} does).
     *
     * @throws IllegalStateException when this instance is closed
     * @throws JobletException when the job cannot start; nothing of it remains then
     */
    public Job start(JobSpec spec) throws JobletException {
        dev.joblet.internal.Args.nonNull(spec, "spec");
        return startAs(spec, null);
    }

    /**
     * As {@link #start(JobSpec)}, under {@code id} instead of a new random one, for a scheduler that names its jobs
     * before they start ({@link dev.joblet.engine.JobEngine}: a handle's id is its job's and its result's id). The
     * caller keeps ids unique among the jobs it has open.
     */
    public Job start(JobSpec spec, JobId id) throws JobletException {
        dev.joblet.internal.Args.nonNull(spec, "spec");
        dev.joblet.internal.Args.nonNull(id, "id");
        return startAs(spec, id);
    }

    private Job startAs(JobSpec spec, @Nullable JobId id) throws JobletException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(JobStartException.message(null, spec.command().get(0), closedReason()));
            }
            starting++;
        }
        try {
            Job job = JobLaunch.start(this, spec, id);
            jobs.add(job);
            job.released().thenRun(() -> {
                if (!job.keepsAfterEnd()) {
                    jobs.remove(job); // nothing of it is left to close
                }
            });
            return job;
        } finally {
            synchronized (lock) {
                starting--;
                lock.notifyAll();
            }
        }
    }

    /**
     * Starts a job of {@code spec} detached: its supervisor owns it from the start (logs its output to disk, records
     * its end, kills it on timeout) and it outlives this instance and this JVM; {@link #jobs()} and
     * {@link #get(String)} find it from any process. Nothing of it remains when it cannot start.
     *
     * @throws IllegalArgumentException when the spec needs this JVM while the job runs (stdin, tty, workspace...)
     */
    public DetachedJob startDetached(JobSpec spec, DetachOptions options) throws JobletException {
        requireOpen("start a detached job");
        return DetachedLaunch.start(this, DetachedStore.of(config), dev.joblet.internal.Args.nonNull(spec, "spec"),
                dev.joblet.internal.Args.nonNull(options, "options"));
    }

    /** Every detached job in this instance's state root (whoever started it), by id. */
    public List<DetachedJob> jobs() throws IOException {
        requireOpen("list detached jobs");
        return DetachedStore.of(config).handles(events());
    }

    /** The detached job whose id is, or starts with, {@code idOrPrefix}; a {@link JobLookupException} if not one. */
    public DetachedJob get(String idOrPrefix) throws IOException {
        requireOpen("find a detached job");
        return DetachedStore.of(config).handle(dev.joblet.internal.Args.nonNull(idOrPrefix, "idOrPrefix"), events());
    }

    /**
     * What works on this host and what does not, with the fix for each missing piece: root or rootless, user
     * namespaces (and distribution restrictions such as AppArmor's on Ubuntu), cgroup layout and usable
     * controllers, seccomp, Landlock, overlayfs, whether private networks can be made (root, {@code ip} and
     * {@code nft} on the PATH), and whether each job gets a host identity of its own (from this instance's range).
     * Reads files only; starts nothing.
     *
     * @throws IllegalStateException when this instance is closed
     */
    public List<EnvironmentCheck> checkEnvironment() {
        requireOpen("check the environment");
        return Stream.concat(new EnvironmentProbe(Path.of("/proc"), Path.of("/sys")).run().stream(),
                Stream.of(host.identityCheck(), host.defaultsCheck())).toList();
    }

    /**
     * Reserves a host uid and gid of the range jobs get their own identities from, for jobs that must share files
     * (pin them with {@code user(id.uid(), id.gid())}); see {@link ReservedIdentity}. The caller closes it: closing
     * the instance leaves it held (its {@link ReservedIdentity#close()} still releases it afterwards).
     *
     * @throws IOException when every id of the range is in use, or its lock directory cannot be used
     * @throws IllegalStateException when this instance is closed
     */
    public ReservedIdentity reserveIdentity() throws IOException {
        requireOpen("reserve an identity");
        return ReservedIdentity.reserve(host);
    }

    /** A named persistent volume under {@link JobletConfig#volumesRoot()} ({@link Volume#named}); not when closed. */
    public Volume volume(String name) {
        requireOpen("open volume " + name);
        return Volume.named(name, config.volumesRoot());
    }

    /** The managed, sized volumes of {@link JobletConfig#volumesRoot()}: create, list, remove, mount into a spec. */
    public Volumes volumes() {
        requireOpen("manage volumes");
        return Volumes.of(config);
    }

    /** Fails, saying so, when this instance is closed: {@code what} is what the caller asked for. */
    private void requireOpen(String what) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("cannot " + what + ": " + closedReason());
            }
        }
    }

    private String closedReason() {
        return this == system ? "Joblet.system() is closed (the JVM is shutting down, or it was closed)" : "this Joblet is closed";
    }

    /**
     * Creates a private network owned by this instance (removed at its close at the latest); as
     * {@code Network.builder(name, cidr).create(this)}, where the options are. Names are this instance's own.
     *
     * @throws IllegalArgumentException for a bad, taken or overlapping name or CIDR
     * @throws JobletException when the host cannot create it (not root, iproute2 or nftables missing)
     */
    public PrivateNetwork createNetwork(String name, String cidr) throws JobletException {
        return Network.builder(name, cidr).create(this);
    }

    /** This instance's open private network named {@code name}. */
    public java.util.Optional<PrivateNetwork> network(String name) {
        dev.joblet.internal.Args.nonNull(name, "network name");
        return networks.find(name);
    }

    /**
     * Closes what this instance owns and returns once nothing of it remains: refuses new jobs, waits for starts under
     * way, closes every job it started that was not closed yet (killing what still runs), drains the warm supervisors
     * and network namespaces made ahead (and ends their threads), removes its private networks (bridges, rules,
     * namespaces, files, threads) and its cgroups' owner directories, and ends its events and log delivery threads.
     * Idempotent: a second call waits for the first.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        synchronized (lock) {
            boolean other = closed;
            closed = true;
            while (other ? !closeDone : starting > 0) { // another close under way, or starts under way
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (other) {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
        }
        try {
            for (Job job : List.copyOf(jobs)) {
                job.close();
            }
            jobs.clear();
            warmPool.close(); // its prepared cgroups first, then the (then empty) owner directories
            netns.close();
            Launcher l;
            synchronized (lock) {
                l = launcher;
                launcher = null;
            }
            if (l != null) {
                l.close();
            }
            host.close();
            networks.close(); // after the jobs: what they held on a network is already queued for removal
            events.close(); // after the jobs, pools and launcher: their last continuations have run
            logDelivery.close();
            if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
                try {
                    java.lang.Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook runs (and finds this closed)
                }
            }
            log.debug("joblet closed");
        } finally {
            synchronized (lock) {
                closeDone = true;
                lock.notifyAll();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    @Override
    public String toString() {
        return "Joblet{" + (this == system ? "system, " : "") + config + (isClosed() ? ", closed}" : "}");
    }

    // ---- for the start path (package-private) ----

    Host host() {
        return host;
    }

    WarmPool warmPool() {
        return warmPool;
    }

    JobletNetworks networks() {
        return networks;
    }

    /** The default instance if it was made, else null (looks it up without making it). */
    static @Nullable Joblet systemIfMade() {
        synchronized (SYSTEM_LOCK) {
            return system;
        }
    }

    /** This instance's events threads: jobs' ends, timeouts, continuations. */
    java.util.concurrent.ScheduledExecutorService events() {
        return events.executor();
    }

    java.util.concurrent.Executor logDelivery() { // this instance's log delivery threads
        return logDelivery.executor();
    }

    /** The launcher of this instance's jobs, made on first use. */
    Launcher launcher() throws IOException {
        synchronized (lock) {
            if (closeDone) {
                throw new IllegalStateException("this Joblet is closed");
            }
            if (launcher == null) {
                launcher = Launcher.open();
            }
            return launcher;
        }
    }

    NetnsPool netnsPool() { // the network namespaces made ahead for cold starts
        return netns;
    }

    /** Discards the warm supervisors and network namespaces made ahead and ends their threads (tests count after). */
    void drainPools() {
        warmPool.drain();
        netns.drain();
    }

    int trackedJobs() { // jobs this instance still tracks (tests)
        return jobs.size();
    }

    void closed(Job job) { // forgets a job its caller closed
        jobs.remove(job);
    }
}
