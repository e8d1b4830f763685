package dev.joblet.internal;

import dev.joblet.namespaces.BpfProgram;
import java.io.ByteArrayOutputStream;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compiles a deny-list seccomp policy into a classic BPF program for x86_64. Every jump is short and
 * local (each rule is a self-contained block ending in a return), so any number of rules fits the 8-bit
 * jump offsets. Thread-safe (stateless apart from a compilation counter).
 *
 * <p>Layout: wrong architecture kills the process; the x32 ABI is refused; then the argument rules (clone with
 * namespace flags, clone3, personality, ioctl TIOCSTI and TIOCLINUX, the address families of socket and socketpair)
 * for calls that are not denied outright; then
 * the denied calls, found by a binary search on the call number (a search tree of {@code JGE} nodes over sorted
 * leaves of a few {@code JEQ}s, each leaf ending in its own EPERM and allow), so that a call is decided in about
 * a dozen instructions rather than one per denied call. That matters at install time: the kernel runs the filter
 * for every system call number to find those it always allows (its bitmap cache), which made a linear list of ~60
 * denied calls cost ~0.2 ms per job. A deny list too large for the tree's 8-bit jumps is compiled linearly.
 */
public final class SeccompCompiler {
    private static final int LD_W_ABS = 0x20;
    private static final int JEQ_K = 0x15;
    private static final int JGE_K = 0x35;
    private static final int JSET_K = 0x45;
    private static final int RET_K = 0x06;

    private static final int RET_ALLOW = 0x7fff0000;
    private static final int RET_KILL_PROCESS = 0x80000000;
    private static final int RET_ERRNO = 0x00050000;
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;
    private static final int EPROTONOSUPPORT = 93;
    private static final int EAFNOSUPPORT = 97;

    private static final int OFF_NR = 0;
    private static final int OFF_ARCH = 4;
    private static final int OFF_ARG0 = 16;
    private static final int OFF_ARG1 = 24;
    private static final int OFF_ARG2 = 32;

    /** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (NEWTIME overlaps the exit signal in clone). */
    static final int CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
            | 0x40000000;
    static final int TIOCSTI = 0x5412;
    static final int TIOCLINUX = 0x541C;
    /** Personalities runtimes allow: PER_LINUX, PER_LINUX32, UNAME26 variants, and the query 0xffffffff. */
    private static final int[] SAFE_PERSONALITIES = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

    /** The argument rules, by the name that switches them off when allowed. */
    public static final String RULE_CLONE = "clone";
    public static final String RULE_CLONE3 = "clone3";
    public static final String RULE_PERSONALITY = "personality";
    public static final String RULE_IOCTL = "ioctl";
    /** {@code socket} and {@code socketpair} only for the allowed address families (and netlink protocols). */
    public static final String RULE_SOCKET = "socket";

    private static final AtomicLong compilations = new AtomicLong();

    private SeccompCompiler() {}

    /** How many programs were compiled in this JVM (policies are compiled once and cached). */
    public static long compilations() {
        return compilations.get();
    }

    /** Compiles the deny list (syscall numbers) and the argument rules (names above) that are on. */
    public static BpfProgram compile(Collection<Integer> denied, Collection<String> rules) {
        return compile(denied, rules, java.util.Set.of(), java.util.Set.of());
    }

    /**
     * As {@link #compile(Collection, Collection)}, with the address families {@code socket} and {@code socketpair}
     * accept when {@link #RULE_SOCKET} is on (any other fails with EAFNOSUPPORT) and, for {@code AF_NETLINK}
     * sockets, the protocols accepted (any other fails with EPROTONOSUPPORT, as for a protocol the kernel lacks).
     */
    public static BpfProgram compile(Collection<Integer> denied, Collection<String> rules, Collection<Integer> families,
            Collection<Integer> netlinkProtocols) {
        compilations.incrementAndGet();
        int[] sorted = denied.stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
        java.util.Set<Integer> deniedSet = new java.util.HashSet<>(denied);
        Asm a = new Asm();
        a.op(LD_W_ABS, 0, 0, OFF_ARCH);
        a.op(JEQ_K, 1, 0, Syscalls.AUDIT_ARCH_X86_64);
        a.op(RET_K, 0, 0, RET_KILL_PROCESS);
        a.op(LD_W_ABS, 0, 0, OFF_NR);
        a.op(JGE_K, 0, 1, Syscalls.X32_SYSCALL_BIT);
        a.op(RET_K, 0, 0, RET_ERRNO | EPERM);
        // Argument rules first: each is one JEQ for every other call. A call denied outright keeps no rule.
        int clone = Syscalls.number("clone").orElseThrow();
        if (rules.contains(RULE_CLONE) && !deniedSet.contains(clone)) {
            a.op(JEQ_K, 0, 4, clone);
            a.op(LD_W_ABS, 0, 0, OFF_ARG0);
            a.op(JSET_K, 0, 1, CLONE_NAMESPACE_FLAGS);
            a.op(RET_K, 0, 0, RET_ERRNO | EPERM);
            a.op(RET_K, 0, 0, RET_ALLOW);
        }
        int clone3 = Syscalls.number("clone3").orElseThrow();
        if (rules.contains(RULE_CLONE3) && !deniedSet.contains(clone3)) {
            // clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes libc fall back to clone.
            a.op(JEQ_K, 0, 1, clone3);
            a.op(RET_K, 0, 0, RET_ERRNO | ENOSYS);
        }
        int personality = Syscalls.number("personality").orElseThrow();
        if (rules.contains(RULE_PERSONALITY) && !deniedSet.contains(personality)) {
            int n = SAFE_PERSONALITIES.length;
            a.op(JEQ_K, 0, n + 3, personality);
            a.op(LD_W_ABS, 0, 0, OFF_ARG0);
            for (int i = 0; i < n; i++) {
                a.op(JEQ_K, n - i, 0, SAFE_PERSONALITIES[i]); // to RET_ALLOW below
            }
            a.op(RET_K, 0, 0, RET_ERRNO | EPERM);
            a.op(RET_K, 0, 0, RET_ALLOW);
        }
        int ioctl = Syscalls.number("ioctl").orElseThrow();
        if (rules.contains(RULE_IOCTL) && !deniedSet.contains(ioctl)) {
            a.op(JEQ_K, 0, 5, ioctl);
            a.op(LD_W_ABS, 0, 0, OFF_ARG1);
            a.op(JEQ_K, 2, 0, TIOCSTI);
            a.op(JEQ_K, 1, 0, TIOCLINUX);
            a.op(RET_K, 0, 0, RET_ALLOW);
            a.op(RET_K, 0, 0, RET_ERRNO | EPERM);
        }
        if (rules.contains(RULE_SOCKET)) {
            int[] fam = families.stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
            int[] nl = netlinkProtocols.stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
            for (String call : new String[] {"socket", "socketpair"}) {
                int nr = Syscalls.number(call).orElseThrow();
                if (!deniedSet.contains(nr)) {
                    // socketpair does not exist for netlink (the kernel says EOPNOTSUPP): the family is enough.
                    socketRule(a, nr, fam, call.equals("socket") ? nl : null);
                }
            }
        }
        // The rules loaded an argument: the call number again.
        a.op(LD_W_ABS, 0, 0, OFF_NR);
        Asm tree = new Asm();
        if (tree(tree, sorted, 0, sorted.length)) {
            a.write(tree.toByteArray(), 0, tree.size());
        } else {
            for (int nr : sorted) {
                a.op(JEQ_K, 0, 1, nr);
                a.op(RET_K, 0, 0, RET_ERRNO | EPERM);
            }
            a.op(RET_K, 0, 0, RET_ALLOW);
        }
        return BpfProgram.of(a.toByteArray());
    }

    /**
     * One call's family rule: {@code JEQ nr}; load the family; one {@code JEQ} per allowed family (to the allow, or
     * for AF_NETLINK to the protocol check when {@code netlink} is not null); EAFNOSUPPORT; the protocol check
     * (load the protocol, one {@code JEQ} each, EPROTONOSUPPORT); the allow.
     */
    private static void socketRule(Asm a, int nr, int[] families, int @org.jspecify.annotations.Nullable [] netlink) {
        int n = families.length;
        int[] protocols = netlink != null && java.util.Arrays.binarySearch(families, SocketFamilies.AF_NETLINK) >= 0
                ? netlink : null;
        boolean checkNetlink = protocols != null;
        int m = protocols != null ? protocols.length : 0;
        int len = 1 + n + 1 + (checkNetlink ? m + 2 : 0) + 1; // after the JEQ on the call number
        int allow = len - 1;
        a.op(JEQ_K, 0, len, nr);
        a.op(LD_W_ABS, 0, 0, OFF_ARG0);
        for (int i = 0; i < n; i++) {
            int at = 1 + i;
            int target = checkNetlink && families[i] == SocketFamilies.AF_NETLINK ? 2 + n : allow;
            a.op(JEQ_K, target - at - 1, 0, families[i]);
        }
        a.op(RET_K, 0, 0, RET_ERRNO | EAFNOSUPPORT);
        if (protocols != null) {
            a.op(LD_W_ABS, 0, 0, OFF_ARG2);
            for (int j = 0; j < m; j++) {
                int at = 3 + n + j;
                a.op(JEQ_K, allow - at - 1, 0, protocols[j]);
            }
            a.op(RET_K, 0, 0, RET_ERRNO | EPROTONOSUPPORT);
        }
        a.op(RET_K, 0, 0, RET_ALLOW);
    }

    /** Calls per leaf of the search tree. */
    private static final int LEAF = 4;

    /**
     * Emits the decision for {@code nrs[from, to)} (sorted; the accumulator holds the call number): EPERM for one
     * of them, allow otherwise. False when a jump would not fit in 8 bits.
     */
    private static boolean tree(Asm a, int[] nrs, int from, int to) {
        int n = to - from;
        if (n <= LEAF) {
            for (int i = from; i < to; i++) {
                a.op(JEQ_K, to - i, 0, nrs[i]); // to the EPERM after the allow
            }
            a.op(RET_K, 0, 0, RET_ALLOW);
            a.op(RET_K, 0, 0, RET_ERRNO | EPERM);
            return true;
        }
        int mid = from + n / 2;
        Asm left = new Asm();
        if (!tree(left, nrs, from, mid) || left.size() / 8 > 255) {
            return false;
        }
        a.op(JGE_K, left.size() / 8, 0, nrs[mid]); // >= the middle one: the right half, after the left
        a.write(left.toByteArray(), 0, left.size());
        return tree(a, nrs, mid, to);
    }

    private static final class Asm extends ByteArrayOutputStream {
        void op(int code, int jt, int jf, int k) {
            write(code);
            write(code >>> 8);
            write(jt);
            write(jf);
            write(k);
            write(k >>> 8);
            write(k >>> 16);
            write(k >>> 24);
        }
    }
}
