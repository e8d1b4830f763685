package dev.joblet;

import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.internal.Protocol;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * What the last jobs of one kind of warm supervisor asked for, so that the next supervisors of that kind are
 * prepared for what the next job most likely asks: its root (once two starts in a row asked for the same), its
 * hostname (the default, or one asked for twice in a row), whether its seccomp filter may go in before the wait, and
 * the pids limit to write into its cgroup ahead. Thread-safe.
 */
final class KindHistory {
    private static final CgroupLimits NO_LIMITS = CgroupLimits.builder().build();

    /** How to prepare the next supervisor: the root to build ahead (null: none), whether the filter goes in early. */
    record Plan(@Nullable LaunchRequest template, boolean earlySeccomp, CgroupLimits limits) {}

    // Guarded by this.
    private @Nullable LaunchRequest last;
    private @Nullable LaunchRequest previous;
    /** Who the jobs of {@link #last} and {@link #previous} ran as; whether the last one ran as its own identity. */
    private @Nullable JobIdentity lastIdentity;
    private @Nullable JobIdentity previousIdentity;
    private boolean lastOwnIdentity;
    private boolean stable;
    private CgroupLimits limitsAhead = NO_LIMITS;
    private @Nullable String lastHostname; // "": the default, job-<id>
    private boolean hostnameStable;
    private boolean earlySeccomp;

    /**
     * A job of this kind claimed a supervisor with {@code wanted}. Only its pids limit is written ahead for the next
     * ones: most jobs ask for one (1024 unless told), and any job with a pids limit overrides it; other limits would
     * have to match exactly, so jobs that differ in them would keep missing the pool.
     */
    synchronized void claimed(CgroupLimits wanted) {
        CgroupLimits.Builder ahead = CgroupLimits.builder();
        wanted.pidsMax().ifPresent(ahead::pidsMax);
        limitsAhead = ahead.build();
    }

    /** A job of this kind was started with {@code request}. */
    synchronized void started(JobSpec spec, LaunchRequest request, JobIdentity identity) {
        previous = last;
        previousIdentity = lastIdentity;
        last = request;
        lastIdentity = identity;
        lastOwnIdentity = spec.security().ownIdentity();
        String hostname = spec.hostname().orElse("");
        hostnameStable = hostname.isEmpty() || hostname.equals(lastHostname);
        lastHostname = hostname;
        earlySeccomp = spec.security().seccomp().isEnabled() && spec.security().seccomp().allowsEarlyInstall();
    }

    /**
     * How to prepare a supervisor for the job that will take the id {@code id}. The filter goes in before the wait
     * only when that job's hostname is known now: the default one (job-{@code id}) or one the last two jobs both asked
     * for; a job asking for another hostname then starts cold ({@code rootBuiltFor}). Jobs named each their own way
     * (as an engine names them) get supervisors that set the hostname after the wait.
     */
    Plan plan(String id, @Nullable JobIdentity next) {
        LaunchRequest template = stableTemplate();
        synchronized (this) {
            if (template != null && lastOwnIdentity) {
                // Built for the next job's own identity (none to be had: the root is built after the config instead).
                JobIdentity from = lastIdentity;
                template = next == null || from == null ? null : JobIdentity.retarget(template, from, next);
            }
            if (template != null && "".equals(lastHostname)) {
                template = template.toBuilder().hostname(Job.defaultHostname(id)).build();
            }
            return new Plan(template, template != null && earlySeccomp && hostnameStable, limitsAhead);
        }
    }

    /** The last request, when the one before asked for the same root; compared once, off the start path. */
    private @Nullable LaunchRequest stableTemplate() {
        LaunchRequest l, p;
        JobIdentity li, pi;
        synchronized (this) {
            l = last;
            p = previous;
            li = lastIdentity;
            pi = previousIdentity;
        }
        if (l == null || p == null || li == null || pi == null) {
            return null;
        }
        if (l != p) {
            // Jobs that each ran as their own identity asked for the same root if they did but for it.
            LaunchRequest pAsL = JobIdentity.retarget(p, pi, li);
            boolean same = Arrays.equals(Protocol.encode(Protocol.template(l)), Protocol.encode(Protocol.template(pAsL)));
            synchronized (this) {
                stable = same;
                if (previous == p) {
                    previous = l;
                    previousIdentity = li;
                }
            }
        }
        synchronized (this) {
            return stable ? last : null;
        }
    }

    /**
     * Whether writing {@code wanted} replaces every limit {@code written} set (a v1 limit is never unset). A memory
     * limit must be the same: on v1 raising it past the memory+swap limit written with it fails.
     */
    static boolean overrides(CgroupLimits wanted, CgroupLimits written) {
        return (written.cpuPercent().isEmpty() || wanted.cpuPercent().isPresent())
                && (written.cpuWeight().isEmpty() || wanted.cpuWeight().isPresent())
                && (written.memoryMaxBytes().isEmpty() || (written.memoryMaxBytes().equals(wanted.memoryMaxBytes())
                        && written.swapMaxBytes().equals(wanted.swapMaxBytes())))
                && (written.memoryHighBytes().isEmpty() || wanted.memoryHighBytes().isPresent())
                && (written.pidsMax().isEmpty() || wanted.pidsMax().isPresent())
                && written.cpusetCpus().isEmpty() && written.cpusetMems().isEmpty()
                && (written.ioLimits().isEmpty() || written.ioLimits().equals(wanted.ioLimits()));
    }
}
