package dev.joblet;

import dev.joblet.cgroups.JobCgroup;
import dev.joblet.namespaces.DetachedProcess;
import dev.joblet.namespaces.DetachedSupervisors;
import dev.joblet.namespaces.Detachment;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.MountOp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of a detached job: its state directory (with the {@code job} file), its host identity, its cgroup (under
 * {@code <own>/joblet/detached}), then the launch, which hands it all to the job's supervisor: from then on nothing
 * of the job belongs to this JVM (the identity's lock is held by the supervisor, the cgroup removed by it). A start
 * that fails unwinds, last first, and leaves nothing. Used by one thread, once.
 *
 * <p>What needs the JVM while the job runs is refused: stdin bytes, a terminal, a retained workspace or uploads (a
 * tmpfs the JVM holds), a writable layer, a log spill, private networks and published ports.
 */
final class DetachedLaunch {
    private static final Logger log = LoggerFactory.getLogger(DetachedLaunch.class);

    private DetachedLaunch() {}

    static DetachedJob start(Joblet owner, DetachedStore store, JobSpec asked, DetachOptions options)
            throws JobletException {
        refuseWhatNeedsTheJvm(asked);
        Host host = owner.host();
        JobSpec spec = host.requireLaunchable(asked);
        Runtimes.Resolved resolved = spec.runtime().isHost() ? null
                : Runtimes.resolve(spec.runtime(), owner.config().runtimesRoot());
        JobId id = JobId.random();
        String program = spec.command().get(0);
        try (Unwind unwind = new Unwind()) {
            Path dir;
            HostIdentities.Lease lease = host.allocateIdentity(spec);
            if (lease != null) {
                unwind.push(lease::close);
            }
            JobCgroup cgroup = host.createDetachedCgroup(id, spec);
            if (cgroup != null) {
                unwind.push(cgroup::remove);
            }
            try {
                dir = store.create(id, jobFile(id, spec, options, cgroup));
            } catch (IOException e) {
                throw JobStartException.cannotStart(id, program, "cannot make its state directory in " + store.root()
                        + ": " + e, "state directory", null, e);
            }
            unwind.push(() -> DetachedStore.removeDir(dir));
            JobIdentity identity = JobIdentity.of(spec.security(), lease);
            List<MountOp> mounts = RootPlan.of(spec, resolved, null, identity);
            String hostname = spec.hostname().orElseGet(() -> JobLaunch.defaultHostname(id));
            DetachedProcess p;
            try {
                LaunchRequest request = JobLaunch.intoCgroup(
                        JobLaunch.request(spec, host, mounts, resolved, hostname, null, identity), cgroup);
                long timeout = spec.timeout().map(t -> Math.max(1, t.toMillis())).orElse(0L);
                p = owner.launcher().launchDetached(request, new Detachment(dir, options.logCap().bytes(),
                        Math.min(timeout, Detachment.MAX_U32), Math.min(spec.stopGrace().toMillis(), Detachment.MAX_U32),
                        lease == null ? -1 : lease.lockFd(),
                        options.startAtIfAny().map(java.time.Instant::toEpochMilli).orElse(0L)));
            } catch (LaunchException e) {
                if (e.isCommandNotFound()) {
                    throw new JobStartException("\"" + program + "\": not found in runtime " + spec.runtime() + " (job "
                            + id.shortForm() + ")", e.subject(), e.errnoName(), true, e);
                }
                throw JobStartException.cannotStart(id, program, String.valueOf(e.getMessage()), e.subject(),
                        e.errnoName(), e);
            } catch (IOException | RuntimeException e) {
                throw JobStartException.cannotStart(id, program, String.valueOf(e.getMessage()), "launch", null, e);
            }
            unwind.release(); // the supervisor owns the job now
            if (lease != null) {
                lease.handOff(); // the supervisor holds the identity's lock until the job ended
            }
            log.debug("detached job {} {}: pid {}, supervisor {}", id.shortForm(), p.scheduled() ? "scheduled" : "started",
                    p.jobPid(), p.supervisorPid());
            return new DetachedJob(id, dir, owner.events());
        }
    }

    private static void refuseWhatNeedsTheJvm(JobSpec spec) {
        String why = spec.tty() ? "tty (a terminal needs the JVM to relay it)"
                : spec.stdin().isPresent() ? "stdin (bytes the JVM would write)"
                : spec.retainsWorkspace() || !spec.uploads().isEmpty() ? "retainWorkspace/uploads (a workspace the JVM holds)"
                : spec.writableLayer().isPresent() ? "writableLayer (an overlay the JVM mounts)"
                : spec.logSpill().isPresent() ? "logSpill (the log of a detached job is its file on disk)"
                : spec.network() instanceof PrivateNetwork ? "network " + spec.network().name()
                        + " (a private network's attachment lives in the JVM)"
                : !spec.published().isEmpty() ? "publish " + spec.published() + " (port relays run in the JVM)"
                : null;
        if (why != null) {
            throw new IllegalArgumentException("a detached job cannot use " + why);
        }
    }

    private static Properties jobFile(JobId id, JobSpec spec, DetachOptions options, @Nullable JobCgroup cgroup) {
        Properties p = new Properties();
        p.setProperty("id", id.toString());
        p.setProperty("name", options.nameIfAny().orElse(""));
        p.setProperty("command.count", Integer.toString(spec.command().size()));
        for (int i = 0; i < spec.command().size(); i++) {
            p.setProperty("command." + i, spec.command().get(i));
        }
        p.setProperty("started_ms", Long.toString(System.currentTimeMillis()));
        p.setProperty("runtime", spec.runtime().toString());
        p.setProperty("limits", limits(spec));
        p.setProperty("timeout_ms", Long.toString(spec.timeout().map(java.time.Duration::toMillis).orElse(0L)));
        p.setProperty("log_cap", Long.toString(options.logCap().bytes()));
        options.startAtIfAny().ifPresent(at -> p.setProperty("start_at_ms", Long.toString(at.toEpochMilli())));
        int self = (int) ProcessHandle.current().pid();
        p.setProperty("creator_pid", Integer.toString(self));
        p.setProperty("creator_start", Long.toString(DetachedSupervisors.startTime(self)));
        List<Path> dirs = new ArrayList<>();
        if (cgroup != null) {
            for (Path f : cgroup.joinFiles()) {
                Path parent = f.getParent();
                if (parent != null && !dirs.contains(parent)) {
                    dirs.add(parent);
                }
            }
            cgroup.cloneIntoDirectory().filter(d -> !dirs.contains(d)).ifPresent(dirs::add);
        }
        p.setProperty("cgroup.count", Integer.toString(dirs.size()));
        for (int i = 0; i < dirs.size(); i++) {
            p.setProperty("cgroup." + i, dirs.get(i).toString());
        }
        return p;
    }

    /** The spec's limits as text: {@code cpu=50% memory=64MiB pids=100 cpus=0-1 io=10485760B/s}. */
    static String limits(JobSpec spec) {
        List<String> l = new ArrayList<>();
        spec.cpuPercent().ifPresent(c -> l.add("cpu=" + c + "%"));
        spec.memory().ifPresent(m -> l.add("memory=" + m));
        if (spec.pidsMax() > 0) {
            l.add("pids=" + spec.pidsMax());
        }
        spec.cpus().ifPresent(c -> l.add("cpus=" + c));
        if (spec.ioBps() > 0) {
            l.add("io=" + spec.ioBps() + "B/s");
        }
        spec.timeout().ifPresent(t -> l.add("timeout=" + t.toSeconds() + "s"));
        return String.join(" ", l);
    }
}
