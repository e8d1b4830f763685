package dev.joblet;

import java.util.List;

/**
 * Escape attempts against the per-job host identity (issue 17, item 2): reaching other jobs, or the host's nobody,
 * through a host uid they share. From inside one job the other tenants of a uid cannot be seen (PID namespace), so
 * each attempt makes its attack and then checks whose pool or whose /proc access it got: a uid the job shares with
 * nobody (every job of old, host daemons, a setuid-nobody file left in a volume) is an escape; a uid of its own is
 * not. The rootless fallback (a JVM without a subordinate range maps every job to its own ids, setgroups denied) is
 * documented as shared and passes. {@code EachJobHasItsOwnHostIdentityTest} runs these with the defence relaxed
 * (jobs pinned to nobody) and sees them escape, and runs the two-job versions of the same attacks.
 */
final class EscapeAttemptsIdentity {
    /** {@code host}: this process's uid as the host sees it; {@code fallback}: the rootless single mapping. */
    static final String HOST_UID = String.join("\n",
            "def host_uid():",
            "    u = os.getuid()",
            "    for l in open('/proc/self/uid_map'):",
            "        i, o, n = (int(x) for x in l.split())",
            "        if i <= u < i + n: return o + u - i",
            "    return -1",
            "host = host_uid()",
            "fallback = open('/proc/self/setgroups').read().strip() == 'deny'",
            "");

    static void addTo(List<EscapeAttempts.Attempt> a) {
        a.add(new EscapeAttempts.Attempt("read other tenants' /proc through a shared host uid", HOST_UID
                + "must(host not in (65534, 0, -1) or fallback, 'host uid ' + str(host))", b -> b));
        // Pipe pages are counted per host user (pipe-user-pages-soft): past the limit, no pipe of that user can grow
        // (and new ones get a minimal ring). (Pools counted per user namespace, such as inotify instances, are exhausted
        // by the two-job tests only: in a job with root in a user namespace they are charged to the namespace's owner,
        // host root, see docs/SECURITY.md.)
        a.add(new EscapeAttempts.Attempt("exhaust the pipe pages of a shared host uid", HOST_UID
                + "err = 0\nps = []\ntry:\n    while len(ps) < 400:\n        r, w = os.pipe(); ps.append((r, w));"
                + " fcntl.fcntl(w, 1031, 1 << 20)\nexcept OSError as e:\n    err = e.errno\n"
                + "must(err == errno.EPERM and (host not in (65534, 0, -1) or fallback),"
                + " 'pipe pages of host uid %d exhausted: %d pipes grown, then %s' % (host, len(ps),"
                + " errno.errorcode.get(err)))", b -> b));
    }

    private EscapeAttemptsIdentity() {}
}
