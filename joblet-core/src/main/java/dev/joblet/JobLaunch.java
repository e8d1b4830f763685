package dev.joblet;

import dev.joblet.cgroups.JobCgroup;
import dev.joblet.internal.LogSpill;
import dev.joblet.namespaces.FreshNetns;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.TerminalSize;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of one job, from its spec to a running {@link Job}. Each resource is acquired in turn (a warm supervisor,
 * the host identity, the log spill, the workspace, the writable layer, the cgroup, the network attachment) and its undo
 * pushed onto an {@link Unwind} at once; the launch request is built once; the way to launch ({@link Route}) is chosen
 * once; the launch is the last step. A start that fails anywhere unwinds what it had made, last first, and throws a
 * {@link JobStartException} that names the job, the command and the step; one that succeeds hands everything to the
 * {@link Job}, which owns it from then on. Used by one thread, once.
 *
 * <p>The calls into the machinery the start uses (the warm pool, the host's cgroups and identities, the network
 * namespaces made ahead, the launcher) all go through its {@link Machinery}, at the bottom.
 */
final class JobLaunch {
    private static final Logger log = LoggerFactory.getLogger(JobLaunch.class);

    /** The points of a start, each just after one acquisition, at which a test's {@link Faults} may fail it. */
    enum Step { WARM_ENTRY, IDENTITY, LOG_SPILL, WORKSPACE, WRITABLE_LAYER, CGROUP, NETWORK, LAUNCH }

    /** Tests: told as a start passes each {@link Step}; what it throws fails the start there. */
    @FunctionalInterface
    interface Faults {
        Faults NONE = step -> { };

        void at(Step step);
    }

    /** How the job is launched; chosen once, when the request is built. */
    enum Route {
        /** By the warm supervisor claimed from the pool, in whose cgroup the job is made. */
        WARM,
        /** By a new helper, cloned into the job's cgroup. */
        COLD,
        /** As {@link #COLD}, joining a loopback-only network namespace made ahead instead of making one. */
        COLD_PREMADE_NETNS
    }

    private final JobSpec spec;
    private final String program;
    private final Machinery machinery;
    private final Faults faults;

    private JobLaunch(JobSpec spec, Machinery machinery, Faults faults) {
        this.spec = spec;
        this.program = spec.command().get(0);
        this.machinery = machinery;
        this.faults = faults;
    }

    /** A job of {@code spec} owned by {@code owner}; {@code given}: the id the caller chose, or null for a new one. */
    static Job start(Joblet owner, JobSpec spec, @Nullable JobId given) throws JobletException {
        return start(owner, spec, given, Faults.NONE);
    }

    static Job start(Joblet owner, JobSpec asked, @Nullable JobId given, Faults faults) throws JobletException {
        if (Thread.currentThread().isInterrupted()) {
            throw interruptedStart(asked, "before anything was made", null);
        }
        Machinery machinery = new Machinery(owner);
        JobSpec spec = machinery.requireLaunchable(asked);
        Runtimes.Resolved resolved = spec.runtime().isHost() ? null
                : Runtimes.resolve(spec.runtime(), owner.config().runtimesRoot());
        try {
            return new JobLaunch(spec, machinery, faults).run(resolved, given);
        } catch (JobStartException | RuntimeException e) {
            // An interrupt shows as whatever it broke (a ClosedByInterruptException of a cgroup write, ...): it is
            // reported as what it is, with the flag kept. What the start had made is gone by now (the Unwind).
            if (Thread.currentThread().isInterrupted() || causedByInterrupt(e)) {
                Thread.currentThread().interrupt();
                throw interruptedStart(spec, e instanceof JobStartException ? "at " + ((JobStartException) e).step()
                        : "", e);
            }
            throw e;
        }
    }

    private Job run(Runtimes.@Nullable Resolved resolved, @Nullable JobId given) throws JobStartException {
        try (Unwind unwind = new Unwind()) {
            // However the start ends, the pool's refill thread is woken once it is over (it may have taken an entry).
            unwind.push(machinery::refillPool);

            // A warm supervisor, whose cgroup is named by the id it was prepared for: the job takes that id unless
            // the caller chose one (the cgroup then keeps the name it was made with). Its prepared host identity is
            // released after the supervisor is gone.
            WarmPool.Entry warm = machinery.claimWarm(spec);
            HostIdentities.Lease prepared = warm == null ? null : warm.takeIdentity();
            if (warm != null) {
                unwind.push(() -> {
                    warm.discard();
                    if (prepared != null) {
                        prepared.close();
                    }
                });
            }
            faults.at(Step.WARM_ENTRY);

            // Who the job runs as: the identity prepared with the warm supervisor, or one allocated now. Held until
            // nothing of the job remains (Job.release()).
            HostIdentities.Lease lease = prepared;
            if (lease != null && !spec.security().ownIdentity()) {
                lease.close(); // a pinned job does not use the one prepared
                lease = null;
            }
            if (lease == null) {
                lease = machinery.allocateIdentity(spec);
                if (lease != null) {
                    unwind.push(lease::close);
                }
            }
            JobIdentity identity = JobIdentity.of(spec.security(), lease);
            JobId id = given != null ? given : warm != null ? warm.id() : JobId.random();
            faults.at(Step.IDENTITY);

            LogSpill spill = spec.logSpill().isPresent() ? logSpill(id, spec.logSpill().get()) : null;
            if (spill != null) {
                unwind.push(spill::close);
            }
            faults.at(Step.LOG_SPILL);

            Workspace workspace = spec.retainsWorkspace() ? workspace(id, identity) : null;
            if (workspace != null) {
                unwind.push(workspace::close);
            }
            faults.at(Step.WORKSPACE);

            WritableLayer layer = resolved != null && spec.writableLayer().isPresent()
                    ? writableLayer(id, resolved.rootfs(), spec.writableLayer().get()) : null;
            if (layer != null) {
                unwind.push(layer::close);
            }
            faults.at(Step.WRITABLE_LAYER);
            Runtimes.Resolved root = layer == null || resolved == null ? resolved
                    : new Runtimes.Resolved(layer.merged(), resolved.manifest());
            List<MountOp> mounts = RootPlan.of(spec, root, workspace, identity);

            JobCgroup cgroup = warm != null ? warm.cgroup() : machinery.createCgroup(id, spec);
            if (warm == null && cgroup != null) {
                unwind.push(cgroup::remove);
            }
            faults.at(Step.CGROUP);

            String hostname = spec.hostname().orElseGet(() -> JobLaunch.defaultHostname(id));
            JobNetworking net = JobNetworking.prepare(spec, id, hostname);
            if (net != null) {
                unwind.push(() -> net.release().join());
            }
            faults.at(Step.NETWORK);

            Instant startedAt = Instant.now();
            JobOutput output = new JobOutput(id, spec, spill, machinery.owner.logDelivery());
            LaunchRequest request;
            Route route;
            LaunchedProcess process;
            try {
                request = request(JobNetworking.withHosts(mounts, net), resolved, hostname, net, identity);
                route = route(warm, request, cgroup, net);
                faults.at(Step.LAUNCH);
                process = launch(route, warm, request, cgroup, output);
            } catch (IOException | RuntimeException e) {
                throw startFailure(id, e);
            }
            JobProcesses processes = new JobProcesses(id, process, cgroup, route == Route.WARM, machinery.owner.events());
            Job job = new Job(machinery.owner, id, spec, startedAt, output, processes, net, workspace, layer, identity,
                    lease);
            unwind.release(); // the job owns it all now
            job.begin();
            try {
                // The refill would compete with the job on a small machine: it starts when the job has ended, or
                // after a few milliseconds if it runs on.
                machinery.owner.events().schedule(machinery::refillPool, 5, TimeUnit.MILLISECONDS);
                machinery.learn(spec, request, identity);
            } catch (RuntimeException e) {
                job.close(); // launched, and owned by no one yet: the caller never sees it
                throw e;
            }
            log.debug("job {} started: pid {} ({})", id.shortForm(), process.pid(), route);
            return job;
        }
    }

    /** The hostname of a job with id {@code id} that asked for none. */
    static String defaultHostname(JobId id) {
        return "job-" + id.shortForm();
    }

    /**
     * The route, chosen once. A warm supervisor whose root was built for other jobs is not used: it is closed and the
     * job starts cold in its cgroup, with the exact limits (the pool had written one more process for the supervisor).
     */
    private Route route(WarmPool.@Nullable Entry warm, LaunchRequest request, @Nullable JobCgroup cgroup,
            @Nullable JobNetworking net) throws IOException {
        if (warm != null) {
            if (!warm.helper().rootBuilt() || warm.helper().rootBuiltFor(request)) {
                return Route.WARM;
            }
            warm.helper().close();
            if (cgroup != null) {
                cgroup.applyLimits(machinery.cgroupLimits(spec));
            }
        }
        return spec.network() == Network.NONE && net == null && !machinery.rootless()
                && !spec.security().rootInUserNamespace() ? Route.COLD_PREMADE_NETNS : Route.COLD;
    }

    private LaunchedProcess launch(Route route, WarmPool.@Nullable Entry warm, LaunchRequest request,
            @Nullable JobCgroup cgroup, JobOutput output) throws IOException {
        if (route == Route.WARM) { // the job inherits the supervisor's cgroup
            return java.util.Objects.requireNonNull(warm).helper().launch(request, output);
        }
        return machinery.launchCold(intoCgroup(request, cgroup), route == Route.COLD_PREMADE_NETNS, output);
    }

    /**
     * A cold job is cloned straight into its cgroup2 directory (v2, or hybrid's unified one), then joins the v1 ones
     * by their tasks files: no cgroup.procs write, which may wait out an RCU grace period, on the start path.
     */
    static LaunchRequest intoCgroup(LaunchRequest request, @Nullable JobCgroup cgroup) {
        if (cgroup == null) {
            return request;
        }
        Path into = cgroup.cloneIntoDirectory().orElse(null);
        List<Path> join = new ArrayList<>(cgroup.joinFiles());
        if (into != null) {
            join.remove(into.resolve("cgroup.procs"));
        }
        return request.toBuilder().cgroupProcsFiles(join).cgroup2Dir(into).build();
    }

    /** The job's launch request, without its cgroup (which a warm supervisor's job inherits): see {@link #intoCgroup}. */
    private LaunchRequest request(List<MountOp> mounts, Runtimes.@Nullable Resolved resolved, String hostname,
            @Nullable JobNetworking net, JobIdentity identity) throws IOException {
        return request(spec, machinery.owner.host(), mounts, resolved, hostname, net, identity);
    }

    /** As above, for any start path of {@code spec} on {@code host} (a detached start too: {@link DetachedLaunch}). */
    static LaunchRequest request(JobSpec spec, Host host, List<MountOp> mounts, Runtimes.@Nullable Resolved resolved,
            String hostname, @Nullable JobNetworking net, JobIdentity identity) throws IOException {
        List<String> env = new ArrayList<>();
        Map<String, String> vars = new LinkedHashMap<>();
        if (resolved != null && resolved.manifest() != null) {
            vars.putAll(resolved.manifest().env()); // the runtime's defaults; the spec's own variables win
        }
        vars.putAll(spec.env());
        if (!vars.containsKey("PATH")) {
            env.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        if (!vars.containsKey("HOME")) {
            env.add("HOME=/work");
        }
        if (!vars.containsKey("TERM")) {
            env.add("TERM=xterm");
        }
        vars.forEach((k, v) -> env.add(k + "=" + v));
        LaunchRequest.Builder b = LaunchRequest.builder()
                .argv(spec.command())
                .env(env)
                .hostname(hostname)
                .workdir(spec.workdir())
                .stagingDir(host.stagingDir())
                .network(spec.network() != Network.HOST)
                .netns(net == null ? null : net.netnsPath())
                .mounts(mounts)
                .stdin(spec.stdin().orElse(null))
                .tty(spec.tty())
                .terminalSize(spec.tty ? new TerminalSize(spec.ttyRows, spec.ttyColumns) : null)
                .init(spec.init());
        spec.cpus().ifPresent(c -> b.cpuAffinity(c.toBitSet()));
        host.applySecurity(spec.security(), identity, b);
        return b.build();
    }

    private LogSpill logSpill(JobId id, Path dir) throws JobStartException {
        try {
            return LogSpill.create(dir, id.toString());
        } catch (IOException e) {
            throw JobStartException.cannotStart(id, null, "cannot create its log spill in " + dir + ": " + e, "logSpill",
                    null, e);
        }
    }

    private Workspace workspace(JobId id, JobIdentity identity) throws JobStartException {
        try {
            // The tmpfs is made in the JVM's user namespace: its owner is the host id the job's user maps to.
            return Workspace.create(id, spec.workspaceSize(), spec.workspaceInodes(), spec.uploads(), identity.hostUid(),
                    identity.hostGid());
        } catch (IOException e) {
            throw JobStartException.cannotStart(id, program, String.valueOf(e.getMessage()), "workspace", null, e);
        }
    }

    private WritableLayer writableLayer(JobId id, Path rootfs, MemorySize size) throws JobStartException {
        try {
            return WritableLayer.create(id, rootfs, size);
        } catch (IOException e) {
            throw JobStartException.cannotStart(id, program, "writable layer: " + e.getMessage(), "writable layer", null,
                    e);
        }
    }

    private JobStartException startFailure(JobId id, Exception e) {
        if (e instanceof LaunchException) {
            LaunchException le = (LaunchException) e;
            if (le.isCommandNotFound()) {
                return new JobStartException("\"" + program + "\": not found in runtime " + spec.runtime() + " (job "
                        + id.shortForm() + ")", le.subject(), le.errnoName(), true, e);
            }
            return JobStartException.cannotStart(id, program, String.valueOf(le.getMessage()), le.subject(),
                    le.errnoName(), e);
        }
        return JobStartException.cannotStart(id, program, String.valueOf(e.getMessage()), "launch", null, e);
    }

    private static JobStartException interruptedStart(JobSpec spec, String where, @Nullable Throwable cause) {
        return JobStartException.cannotStart(null, spec.command().get(0), "interrupted"
                + (where.isEmpty() ? "" : " (" + where + ")") + "; nothing of it remains", "interrupted", "EINTR", cause);
    }

    private static boolean causedByInterrupt(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.ClosedByInterruptException || t instanceof InterruptedException
                    || t instanceof java.io.InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every call the start makes into the machinery it uses: the warm pool, the host's cgroups, identities and
     * staging directory, the network namespaces made ahead and the launcher. One place, to re-point when they gain
     * an owner.
     */
    private static final class Machinery {
        final Joblet owner;

        Machinery(Joblet owner) {
            this.owner = owner;
        }

        JobSpec requireLaunchable(JobSpec spec) throws JobStartException {
            return owner.host().requireLaunchable(spec);
        }

        WarmPool.@Nullable Entry claimWarm(JobSpec spec) throws JobStartException {
            return owner.warmPool().claim(spec);
        }

        void refillPool() {
            owner.warmPool().refill();
        }

        void learn(JobSpec spec, LaunchRequest request, JobIdentity identity) {
            owner.warmPool().learn(spec, request, identity);
        }

        HostIdentities.@Nullable Lease allocateIdentity(JobSpec spec) throws JobStartException {
            return owner.host().allocateIdentity(spec);
        }

        @Nullable JobCgroup createCgroup(JobId id, JobSpec spec) throws JobStartException {
            return owner.host().createCgroup(id, spec);
        }

        dev.joblet.cgroups.CgroupLimits cgroupLimits(JobSpec spec) throws IOException {
            return Host.cgroupLimits(spec, 0);
        }

        boolean rootless() {
            return owner.host().rootless();
        }

        /** {@code premadeNetns}: join a loopback-only namespace made ahead, when one is ready (closed either way). */
        LaunchedProcess launchCold(LaunchRequest request, boolean premadeNetns, JobOutput output) throws IOException {
            return FreshNetns.launch(owner.launcher(), request, premadeNetns ? owner.netnsPool().take() : null, output,
                    owner.netnsPool()::joinFailed);
        }
    }
}
