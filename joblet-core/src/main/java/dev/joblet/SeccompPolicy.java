package dev.joblet;

import dev.joblet.internal.SeccompCompiler;
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
 * TIOCLINUX, acct, quotactl, syslog, chroot, sethostname, iopl/ioperm and obsolete calls. It also
 * refuses the x32 ABI and kills a process that makes a system call of another architecture.
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
            "io_uring_setup", "io_uring_enter", "io_uring_register",
            "uselib", "ustat", "sysfs", "nfsservctl", "afs_syscall", "tuxcall", "security", "getpmsg", "putpmsg",
            "vserver");
    private static final List<String> RULES = List.of(SeccompCompiler.RULE_CLONE, SeccompCompiler.RULE_CLONE3,
            SeccompCompiler.RULE_PERSONALITY, SeccompCompiler.RULE_IOCTL);
    /** Calls the launch itself needs after the filter is in place: denying one would stop every job. */
    private static final Set<String> REQUIRED = Set.of("execve", "exit", "exit_group", "rt_sigreturn", "setgroups",
            "setresuid", "setresgid", "capset", "close_range", "prctl", "brk", "mmap", "munmap");

    private static final SeccompPolicy DEFAULTS = new SeccompPolicy(new TreeSet<>(DEFAULT_DENIED), new TreeSet<>(RULES), true);
    private static final SeccompPolicy DISABLED = new SeccompPolicy(new TreeSet<>(), new TreeSet<>(), false);
    private static final Map<SeccompPolicy, BpfProgram> COMPILED = new ConcurrentHashMap<>();

    private final Set<String> denied;
    private final Set<String> rules;
    private final boolean enabled;

    private SeccompPolicy(TreeSet<String> denied, TreeSet<String> rules, boolean enabled) {
        this.denied = Collections.unmodifiableSet(denied);
        this.rules = Collections.unmodifiableSet(rules);
        this.enabled = enabled;
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
     * {@code personality} or {@code ioctl} also switches off the argument rule on that call.
     */
    public SeccompPolicy allow(String... syscalls) {
        dev.joblet.internal.Args.nonNull(syscalls, "seccomp allow");
        TreeSet<String> d = new TreeSet<>(denied);
        TreeSet<String> r = new TreeSet<>(rules);
        for (String s : syscalls) {
            requireKnown(s);
            d.remove(s);
            r.remove(s);
        }
        return new SeccompPolicy(d, r, enabled);
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
        return new SeccompPolicy(d, new TreeSet<>(rules), true);
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

    /** The argument rules that are on ({@code clone}, {@code clone3}, {@code personality}, {@code ioctl}). */
    public Set<String> argumentRules() {
        return rules;
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
            return SeccompCompiler.compile(numbers, p.rules);
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompPolicy p && p.enabled == enabled && p.denied.equals(denied) && p.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, denied, rules);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "SeccompPolicy{disabled}";
        }
        return "SeccompPolicy{" + denied.size() + " calls denied, argument rules " + rules + "}";
    }
}
