package dev.joblet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Escape attempts on the kernel interfaces a sandbox does not need (socket families, netlink protocols, the audit
 * login uid, PSI triggers) and on the kernel pools a job could drain for everyone (AIO contexts, tmpfs inodes, TCP
 * buffers). Each fails with the defaults; {@link #relaxations()} names, per attempt, the option that turns its
 * defence off, with which it escapes ({@code EscapeAttemptsPoolsRelaxedTest}).
 */
final class EscapeAttemptsPools {
    /** Attempts that ask for a cgroup limit: refused before the start in rootless mode without a delegated cgroup. */
    static final Set<String> NEED_A_CGROUP = Set.of("pin TCP buffers past the memory limit");

    /** The TCP attempt's memory limit. */
    static final long TCP_LIMIT_MIB = 64;

    private EscapeAttemptsPools() {}

    static void addTo(List<EscapeAttempts.Attempt> a) {
        // Socket families and netlink protocols (seccomp's socket rule).
        a.add(new EscapeAttempts.Attempt("bind an AF_VSOCK port (VM-wide port space)",
                "attempt(lambda: socket.socket(40, socket.SOCK_STREAM).bind((0xFFFFFFFF, 0xFFFFFFFF)), 'EAFNOSUPPORT')",
                b -> b));
        a.add(new EscapeAttempts.Attempt("listen to the host's device events (NETLINK_KOBJECT_UEVENT)",
                "attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15).bind((0, 1)), 'EPROTONOSUPPORT')",
                b -> b));
        // /proc files a job could write.
        a.add(new EscapeAttempts.Attempt("rewrite its audit login uid",
                "attempt(lambda: os.write(os.open('/proc/self/loginuid', os.O_WRONLY), b'%d' % os.getuid()), 'EPERM')", b -> b));
        a.add(new EscapeAttempts.Attempt("create a PSI trigger in /proc/pressure",
                "attempt(lambda: os.write(os.open('/proc/pressure/memory', os.O_WRONLY), b'some 150000 2000000\\0'),"
                        + " 'EROFS', 'ENOENT')",
                b -> b));
        // Kernel pools.
        a.add(new EscapeAttempts.Attempt("take the host's AIO pool (io_setup)",
                "ctxs = []\ndef grab():\n    for i in range(8):\n        c = ctypes.c_ulong(0); sc(206, 1024, ctypes.byref(c));"
                        + " ctxs.append(c)\nattempt(grab, 'EPERM')", b -> b));
        a.add(new EscapeAttempts.Attempt("tmpfs inode bomb in /tmp",
                "n = [0]\ndef bomb():\n    while n[0] < 20000:\n        os.close(os.open('/tmp/f%d' % n[0], os.O_CREAT | os.O_WRONLY));"
                        + " n[0] += 1\nattempt(bomb, 'ENOSPC')", b -> b));
        a.add(new EscapeAttempts.Attempt("pin TCP buffers past the memory limit", TCP_PIN, b -> b.memory(
                MemorySize.ofMegabytes(TCP_LIMIT_MIB))));
    }

    /**
     * Unread data in loopback TCP connections of its own: each client sends until its socket says EAGAIN, nothing is
     * ever read. Socket buffers are kernel memory the job's memory limit must bound: it escapes when it pins four
     * times its limit (without one, 128 connections of ~10 MiB each get there at once).
     */
    static final String TCP_PIN = String.join("\n",
            "limit = " + TCP_LIMIT_MIB + " << 20",
            "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(512)",
            "keep = []; total = 0; chunk = b'x' * (1 << 20)",
            "for i in range(128):",
            "    c = socket.create_connection(srv.getsockname()); s, _ = srv.accept(); keep += [c, s]",
            "    c.setblocking(False)",
            "    while total < 4 * limit:",
            "        try:",
            "            total += c.send(chunk)",
            "        except BlockingIOError:",
            "            break",
            "    if total >= 4 * limit:",
            "        break",
            "print('pinned', total >> 20, 'MiB in', len(keep) // 2, 'connections')",
            // Each socket may still get a page or so beyond a full limit (forced charges): twice is the bound.
            "must(total < 2 * limit, 'unread TCP buffers stay within the memory limit')");

    /** For each attempt above: the option that relaxes its defence, with which the attempt escapes. */
    static Map<String, UnaryOperator<JobSpec.Builder>> relaxations() {
        Map<String, UnaryOperator<JobSpec.Builder>> m = new LinkedHashMap<>();
        m.put("bind an AF_VSOCK port (VM-wide port space)",
                b -> b.seccomp(SeccompPolicy.defaults().allowSocketFamily("AF_VSOCK")));
        m.put("listen to the host's device events (NETLINK_KOBJECT_UEVENT)",
                b -> b.seccomp(SeccompPolicy.defaults().allowNetlinkProtocol("NETLINK_KOBJECT_UEVENT")));
        // Once set, the login uid changes only with CAP_AUDIT_CONTROL (of the host's user namespace).
        m.put("rewrite its audit login uid", b -> b.capabilities(Capability.AUDIT_CONTROL));
        m.put("create a PSI trigger in /proc/pressure", b -> b.hardenedProc(false));
        m.put("take the host's AIO pool (io_setup)", b -> b.seccomp(SeccompPolicy.defaults().allow("io_setup")));
        m.put("tmpfs inode bomb in /tmp", b -> b.tmpInodes(0));
        m.put("pin TCP buffers past the memory limit", b -> b.noMemoryLimit());
        return m;
    }
}
