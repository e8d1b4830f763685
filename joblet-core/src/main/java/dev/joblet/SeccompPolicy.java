package dev.joblet;

import dev.joblet.internal.SeccompCompiler;
import dev.joblet.internal.SocketFamilies;
import dev.joblet.internal.Syscalls;
import dev.joblet.namespaces.BpfProgram;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which system calls a job may not make: a deny list plus argument rules, compiled into a seccomp BPF
 * filter once per distinct policy (cached for the life of the JVM) and installed by the helper as the
 * last step before exec. Denied calls fail with EPERM. Immutable and thread-safe.
 *
 * <p>{@link #defaults()} denies what container runtimes deny by default: module loading, kexec, reboot,
 * mount and pivot_root (and the new mount API), new namespaces (unshare, setns, clone with namespace
 * flags; clone3 gets ENOSYS so libc falls back to clone), keyctl/add_key/request_key, bpf,
 * perf_event_open, userfaultfd, open_by_handle_at, clock and time setting, swapon/swapoff, personality
 * other than the usual ones, io_uring, kcmp, ptrace-like cross-process access helpers, TIOCSTI and
 * TIOCLINUX, acct, quotactl, syslog, chroot, sethostname, iopl/ioperm, {@code io_setup} (the host-wide AIO pool,
 * {@code fs.aio-max-nr}, has no per-job bound) and obsolete calls. It also refuses the x32 ABI and kills a process
 * that makes a system call of another architecture.
 *
 * <p>Sockets: {@code socket} and {@code socketpair} work only for the address families a job needs,
 * {@link #DEFAULT_SOCKET_FAMILIES} (others, such as {@code AF_VSOCK}, {@code AF_PACKET}, {@code AF_KEY} or
 * {@code AF_ALG}, fail with EAFNOSUPPORT), and netlink sockets only for {@link #DEFAULT_NETLINK_PROTOCOLS}
 * (others, such as {@code NETLINK_KOBJECT_UEVENT} with the host's device events, fail with EPROTONOSUPPORT).
 * {@link #allowSocketFamily} and {@link #allowNetlinkProtocol} add to those lists; {@code allow("socket")} turns the
 * rule off.
 */
public final class SeccompPolicy {
    private static final List<String> DEFAULT_DENIED = List.of(
            "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
            "kexec_load", "kexec_file_load", "reboot",
            "mount", "umount2", "pivot_root", "move_mount", "open_tree", "open_tree_attr", "fsopen", "fsconfig",
            "fsmount", "fspick", "mount_setattr",
            "unshare", "setns",
            "keyctl", "add_key", "request_key",
            "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at", "fanotify_init",
            "clock_settime", "clock_adjtime", "settimeofday",
            "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "chroot", "vhangup",
            "sethostname", "setdomainname", "iopl", "ioperm", "kcmp", "lookup_dcookie",
            "io_uring_setup", "io_uring_enter", "io_uring_register", "io_setup",
            "uselib", "ustat", "sysfs", "nfsservctl", "afs_syscall", "tuxcall", "security", "getpmsg", "putpmsg",
            "vserver");
    private static final List<String> RULES = List.of(SeccompCompiler.RULE_CLONE, SeccompCompiler.RULE_CLONE3,
            SeccompCompiler.RULE_PERSONALITY, SeccompCompiler.RULE_IOCTL, SeccompCompiler.RULE_SOCKET);
    /** The address families {@code socket} and {@code socketpair} accept by default. */
    public static final Set<String> DEFAULT_SOCKET_FAMILIES = Set.of("AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK");
    /** The netlink protocols accepted by default: routing (addresses, links, routes; {@code getaddrinfo} uses it). */
    public static final Set<String> DEFAULT_NETLINK_PROTOCOLS = Set.of("NETLINK_ROUTE");
    /** Calls the launch itself needs after the filter is in place: denying one would stop every job. */
    private static final Set<String> REQUIRED = Set.of("execve", "exit", "exit_group", "rt_sigreturn", "setgroups",
            "setresuid", "setresgid", "capset", "close_range", "prctl", "brk", "mmap", "munmap");

    private static final SeccompPolicy DEFAULTS = new SeccompPolicy(new TreeSet<>(DEFAULT_DENIED), new TreeSet<>(RULES),
            new TreeSet<>(DEFAULT_SOCKET_FAMILIES), new TreeSet<>(DEFAULT_NETLINK_PROTOCOLS), true);
    private static final SeccompPolicy DISABLED = new SeccompPolicy(new TreeSet<>(), new TreeSet<>(), new TreeSet<>(),
            new TreeSet<>(), false);
    private static final Map<SeccompPolicy, BpfProgram> COMPILED = new ConcurrentHashMap<>();

    private final Set<String> denied;
    private final Set<String> rules;
    /** The families socket and socketpair accept while the socket rule is on. */
    private final Set<String> socketFamilies;
    /** The netlink protocols socket accepts while the socket rule is on and AF_NETLINK is among the families. */
    private final Set<String> netlinkProtocols;
    private final boolean enabled;

    private SeccompPolicy(TreeSet<String> denied, TreeSet<String> rules, TreeSet<String> socketFamilies,
            TreeSet<String> netlinkProtocols, boolean enabled) {
        this.denied = Collections.unmodifiableSet(denied);
        this.rules = Collections.unmodifiableSet(rules);
        this.socketFamilies = Collections.unmodifiableSet(socketFamilies);
        this.netlinkProtocols = Collections.unmodifiableSet(netlinkProtocols);
        this.enabled = enabled;
    }

    private SeccompPolicy with(TreeSet<String> denied, TreeSet<String> rules, boolean enabled) {
        return new SeccompPolicy(denied, rules, new TreeSet<>(socketFamilies), new TreeSet<>(netlinkProtocols), enabled);
    }

    /** The default policy (see the class documentation). */
    public static SeccompPolicy defaults() {
        return DEFAULTS;
    }

    /** No filter at all: the job may make every system call its capabilities allow. */
    public static SeccompPolicy disabled() {
        return DISABLED;
    }

    /**
     * This policy with the named calls allowed again. Naming {@code clone}, {@code clone3},
     * {@code personality} or {@code ioctl} also switches off the argument rule on that call; naming {@code socket}
     * or {@code socketpair} switches off the address family rule (every family then works).
     */
    public SeccompPolicy allow(String... syscalls) {
        dev.joblet.internal.Args.nonNull(syscalls, "seccomp allow");
        TreeSet<String> d = new TreeSet<>(denied);
        TreeSet<String> r = new TreeSet<>(rules);
        for (String s : syscalls) {
            requireKnown(s);
            d.remove(s);
            r.remove(s.equals("socketpair") ? SeccompCompiler.RULE_SOCKET : s);
        }
        return with(d, r, enabled);
    }

    /**
     * This policy with {@code socket} and {@code socketpair} accepting the named address families too, e.g.
     * {@code allowSocketFamily("AF_VSOCK")}. Names are the C ones ({@code AF_PACKET}, {@code AF_ALG}, ...).
     */
    public SeccompPolicy allowSocketFamily(String... families) {
        TreeSet<String> f = new TreeSet<>(socketFamilies);
        for (String name : families) {
            Objects.requireNonNull(name, "socket family");
            if (SocketFamilies.family(name).isEmpty()) {
                throw new IllegalArgumentException("seccomp socket family (" + name + ") is not an address family of Linux"
                        + " (AF_UNIX, AF_VSOCK, AF_PACKET, ...)");
            }
            f.add(name);
        }
        return new SeccompPolicy(new TreeSet<>(denied), new TreeSet<>(rules), f, new TreeSet<>(netlinkProtocols), enabled);
    }

    /**
     * This policy with netlink sockets accepting the named protocols too, e.g.
     * {@code allowNetlinkProtocol("NETLINK_KOBJECT_UEVENT")} (the C names, {@code NETLINK_SOCK_DIAG}, ...).
     */
    public SeccompPolicy allowNetlinkProtocol(String... protocols) {
        TreeSet<String> p = new TreeSet<>(netlinkProtocols);
        for (String name : protocols) {
            Objects.requireNonNull(name, "netlink protocol");
            if (SocketFamilies.netlinkProtocol(name).isEmpty()) {
                throw new IllegalArgumentException("seccomp netlink protocol (" + name + ") is not a netlink protocol of"
                        + " Linux (NETLINK_ROUTE, NETLINK_SOCK_DIAG, ...)");
            }
            p.add(name);
        }
        return new SeccompPolicy(new TreeSet<>(denied), new TreeSet<>(rules), new TreeSet<>(socketFamilies), p, enabled);
    }

    /** This policy with the named calls denied too (EPERM). */
    public SeccompPolicy deny(String... syscalls) {
        dev.joblet.internal.Args.nonNull(syscalls, "seccomp deny");
        TreeSet<String> d = new TreeSet<>(denied);
        for (String s : syscalls) {
            requireKnown(s);
            if (REQUIRED.contains(s)) {
                throw new IllegalArgumentException("seccomp deny (" + s + ") would stop every job: the launch itself calls "
                        + s + " after the filter is installed");
            }
            d.add(s);
        }
        return with(d, new TreeSet<>(rules), true);
    }

    private static void requireKnown(String name) {
        dev.joblet.internal.Args.nonNull(name, "seccomp syscall");
        if (Syscalls.number(name).isEmpty()) {
            throw new IllegalArgumentException("seccomp syscall (" + name + ") is not a system call of x86_64 Linux");
        }
    }

    /**
     * Whether the filter may be installed before the last steps of a prepared launch (read of the command, chdir,
     * an error report): it denies none of {@code read}, {@code write} and {@code chdir}.
     */
    boolean allowsEarlyInstall() {
        return !denied.contains("read") && !denied.contains("write") && !denied.contains("chdir");
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** The denied calls, sorted. */
    public Set<String> denied() {
        return denied;
    }

    /**
     * The argument rules that are on ({@code clone}, {@code clone3}, {@code personality}, {@code ioctl},
     * {@code socket}).
     */
    public Set<String> argumentRules() {
        return rules;
    }

    /** The address families socket and socketpair accept while the {@code socket} rule is on, sorted. */
    public Set<String> socketFamilies() {
        return socketFamilies;
    }

    /** The netlink protocols accepted while the {@code socket} rule is on, sorted. */
    public Set<String> netlinkProtocols() {
        return netlinkProtocols;
    }

    /** The compiled filter, built the first time any equal policy asks for it. */
    BpfProgram program() {
        if (!enabled) {
            return BpfProgram.NONE;
        }
        return COMPILED.computeIfAbsent(this, p -> {
            List<Integer> numbers = new ArrayList<>();
            for (String s : p.denied) {
                OptionalInt n = Syscalls.number(s);
                numbers.add(n.orElseThrow());
            }
            List<Integer> families = new ArrayList<>();
            p.socketFamilies.forEach(f -> families.add(SocketFamilies.family(f).orElseThrow()));
            List<Integer> netlink = new ArrayList<>();
            p.netlinkProtocols.forEach(n -> netlink.add(SocketFamilies.netlinkProtocol(n).orElseThrow()));
            return SeccompCompiler.compile(numbers, p.rules, families, netlink);
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompPolicy p && p.enabled == enabled && p.denied.equals(denied) && p.rules.equals(rules)
                && p.socketFamilies.equals(socketFamilies) && p.netlinkProtocols.equals(netlinkProtocols);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, denied, rules, socketFamilies, netlinkProtocols);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "SeccompPolicy{disabled}";
        }
        return "SeccompPolicy{" + denied.size() + " calls denied, argument rules " + rules
                + (rules.contains(SeccompCompiler.RULE_SOCKET) ? ", socket families " + socketFamilies + ", netlink "
                        + netlinkProtocols : "") + "}";
    }
}
