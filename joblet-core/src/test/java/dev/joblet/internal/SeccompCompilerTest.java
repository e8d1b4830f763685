package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The compiled filters run in a classic-BPF interpreter (the five instructions the compiler emits) against what the
 * policy means, for every call number and the argument rules' edge values.
 */
class SeccompCompilerTest {
    private static final int KILL = 0x80000000, ALLOW = 0x7fff0000, EPERM = 0x00050000 | 1, ENOSYS = 0x00050000 | 38,
            EAFNOSUPPORT = 0x00050000 | 97, EPROTONOSUPPORT = 0x00050000 | 93;
    private static final Set<String> ALL_RULES = Set.of(SeccompCompiler.RULE_CLONE, SeccompCompiler.RULE_CLONE3,
            SeccompCompiler.RULE_PERSONALITY, SeccompCompiler.RULE_IOCTL);
    private static final int CLONE = Syscalls.number("clone").orElseThrow();
    private static final int CLONE3 = Syscalls.number("clone3").orElseThrow();
    private static final int PERSONALITY = Syscalls.number("personality").orElseThrow();
    private static final int IOCTL = Syscalls.number("ioctl").orElseThrow();
    private static final int SOCKET = Syscalls.number("socket").orElseThrow();
    private static final int SOCKETPAIR = Syscalls.number("socketpair").orElseThrow();

    /** Runs the filter; returns its action and counts the instructions executed in {@code steps[0]}. */
    private static int run(byte[] code, int nr, int arch, long arg0, long arg1, int[] steps) {
        return run(code, nr, arch, arg0, arg1, 0, steps);
    }

    private static int run(byte[] code, int nr, int arch, long arg0, long arg1, long arg2, int[] steps) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(16, arg0).putLong(24, arg1).putLong(32, arg2);
        ByteBuffer prog = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        int pc = 0;
        int acc = 0;
        steps[0] = 0;
        while (true) {
            int at = pc * 8;
            assertThat(at).as("pc inside the program").isLessThan(code.length);
            int op = prog.getShort(at) & 0xffff, jt = prog.get(at + 2) & 0xff, jf = prog.get(at + 3) & 0xff, k = prog.getInt(at + 4);
            steps[0]++;
            pc++;
            switch (op) {
                case 0x20: acc = data.getInt(k); break;
                case 0x15: pc += acc == k ? jt : jf; break;
                case 0x35: pc += Integer.toUnsignedLong(acc) >= Integer.toUnsignedLong(k) ? jt : jf; break;
                case 0x45: pc += (acc & k) != 0 ? jt : jf; break;
                case 0x06: return k;
                default: throw new AssertionError("unexpected opcode " + op);
            }
        }
    }

    private static int expected(Set<Integer> denied, Set<String> rules, int nr, long arg0, long arg1) {
        if (denied.contains(nr)) {
            return EPERM;
        }
        if (nr == CLONE && rules.contains(SeccompCompiler.RULE_CLONE)) {
            return (arg0 & SeccompCompiler.CLONE_NAMESPACE_FLAGS) != 0 ? EPERM : ALLOW;
        }
        if (nr == CLONE3 && rules.contains(SeccompCompiler.RULE_CLONE3)) {
            return ENOSYS;
        }
        if (nr == PERSONALITY && rules.contains(SeccompCompiler.RULE_PERSONALITY)) {
            return Set.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL).contains(arg0 & 0xffffffffL) ? ALLOW : EPERM;
        }
        if (nr == IOCTL && rules.contains(SeccompCompiler.RULE_IOCTL)) {
            return arg1 == SeccompCompiler.TIOCSTI || arg1 == SeccompCompiler.TIOCLINUX ? EPERM : ALLOW;
        }
        return ALLOW;
    }

    private static void check(Set<Integer> denied, Set<String> rules) {
        byte[] code = SeccompCompiler.compile(denied, rules).bytes();
        int[] steps = new int[1];
        long[][] args = {{0, 0}, {0x10000000, 0}, {0x00020000, 0}, {0x11, 0}, {0x8, 0}, {0x20008, 0}, {0x3, 0},
                {0xffffffffL, 0}, {0, SeccompCompiler.TIOCSTI}, {0, SeccompCompiler.TIOCLINUX}, {0, 0x5401}};
        for (int nr = 0; nr < 1024; nr++) {
            for (long[] a : args) {
                assertThat(run(code, nr, Syscalls.AUDIT_ARCH_X86_64, a[0], a[1], steps))
                        .as("call %s args %s/%s, %s denied", nr, a[0], a[1], denied.size())
                        .isEqualTo(expected(denied, rules, nr, a[0], a[1]));
            }
        }
        assertThat(run(code, 1, 0x40000003 /* i386 */, 0, 0, steps)).as("another architecture").isEqualTo(KILL);
        assertThat(run(code, 0x40000000 + 1, Syscalls.AUDIT_ARCH_X86_64, 0, 0, steps)).as("x32").isEqualTo(EPERM);
    }

    @Test
    void everyCallNumberGetsWhatThePolicySaysForDenyListsOfEverySize() {
        Random r = new Random(42);
        for (int size : new int[] {0, 1, 2, 3, 4, 5, 7, 60, 61, 130, 300, 600}) {
            Set<Integer> denied = new TreeSet<>();
            while (denied.size() < size) {
                denied.add(r.nextInt(700));
            }
            check(denied, ALL_RULES);
            check(denied, Set.of());
        }
    }

    /** What the socket rule means: the family among those allowed; for AF_NETLINK sockets, the protocol too. */
    private static int expectedSocket(Set<Integer> denied, Set<Integer> families, Set<Integer> netlink, int nr, long family,
            long protocol) {
        if (denied.contains(nr)) {
            return EPERM;
        }
        if (nr != SOCKET && nr != SOCKETPAIR) {
            return ALLOW;
        }
        if (!families.contains((int) family)) {
            return EAFNOSUPPORT;
        }
        if (nr == SOCKET && family == SocketFamilies.AF_NETLINK && !netlink.contains((int) protocol)) {
            return EPROTONOSUPPORT;
        }
        return ALLOW;
    }

    @Test
    void socketAndSocketpairAcceptOnlyTheAllowedFamiliesAndNetlinkProtocols() {
        Random r = new Random(7);
        List<Set<Integer>> familySets = List.of(Set.of(), Set.of(1), Set.of(1, 2, 10, 16), Set.of(16), Set.of(2, 40),
                new TreeSet<>(java.util.stream.IntStream.rangeClosed(1, 45).boxed().toList()));
        List<Set<Integer>> netlinkSets = List.of(Set.of(), Set.of(0), Set.of(0, 4, 15), Set.of(15));
        for (Set<Integer> families : familySets) {
            for (Set<Integer> netlink : netlinkSets) {
                for (Set<Integer> denied : List.of(Set.<Integer>of(), Set.of(SOCKETPAIR), Set.of(SOCKET, 165))) {
                    byte[] code = SeccompCompiler.compile(denied, Set.of(SeccompCompiler.RULE_SOCKET), families, netlink)
                            .bytes();
                    int[] steps = new int[1];
                    for (int nr : new int[] {SOCKET, SOCKETPAIR, 0, 42, 165, 999}) {
                        for (int family = 0; family <= 48; family++) {
                            for (long protocol : new long[] {0, 4, 9, 15, 16, r.nextInt(32)}) {
                                assertThat(run(code, nr, Syscalls.AUDIT_ARCH_X86_64, family, 1, protocol, steps))
                                        .as("call %s family %s protocol %s, families %s netlink %s denied %s", nr, family,
                                                protocol, families, netlink, denied)
                                        .isEqualTo(expectedSocket(denied, families, netlink, nr, family, protocol));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void withoutTheSocketRuleEveryFamilyIsAllowed() {
        byte[] code = SeccompCompiler.compile(Set.of(), Set.of(), Set.of(1), Set.of(0)).bytes();
        int[] steps = new int[1];
        assertThat(run(code, SOCKET, Syscalls.AUDIT_ARCH_X86_64, 40, 1, 0, steps)).isEqualTo(ALLOW);
        assertThat(run(code, SOCKET, Syscalls.AUDIT_ARCH_X86_64, 16, 3, 15, steps)).isEqualTo(ALLOW);
    }

    @Test
    void aCallBothDeniedAndRuledIsDenied() {
        check(Set.of(CLONE, IOCTL, PERSONALITY, CLONE3, 0, 59 + 1), ALL_RULES);
    }

    @Test
    void aDefaultSizedDenyListDecidesAnAllowedCallInAFewInstructions() {
        List<Integer> denied = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            denied.add(150 + 3 * i);
        }
        byte[] code = SeccompCompiler.compile(denied, ALL_RULES).bytes();
        int[] steps = new int[1];
        int max = 0;
        for (int nr = 0; nr < 1024; nr++) {
            if (nr == CLONE || nr == PERSONALITY || nr == IOCTL) {
                continue; // these load an argument: the kernel's cache does not cover them anyway
            }
            run(code, nr, Syscalls.AUDIT_ARCH_X86_64, 0, 0, steps);
            max = Math.max(max, steps[0]);
        }
        // 6 (architecture, x32) + 4 rule checks + 1 reload + ~4 tree levels + a leaf of at most 4 + return.
        assertThat(max).as("instructions run for one call, worst case").isLessThanOrEqualTo(22);
    }
}
