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
    private static final int KILL = 0x80000000, ALLOW = 0x7fff0000, EPERM = 0x00050000 | 1, ENOSYS = 0x00050000 | 38;
    private static final Set<String> ALL_RULES = Set.of(SeccompCompiler.RULE_CLONE, SeccompCompiler.RULE_CLONE3,
            SeccompCompiler.RULE_PERSONALITY, SeccompCompiler.RULE_IOCTL);
    private static final int CLONE = Syscalls.number("clone").orElseThrow();
    private static final int CLONE3 = Syscalls.number("clone3").orElseThrow();
    private static final int PERSONALITY = Syscalls.number("personality").orElseThrow();
    private static final int IOCTL = Syscalls.number("ioctl").orElseThrow();

    /** Runs the filter; returns its action and counts the instructions executed in {@code steps[0]}. */
    private static int run(byte[] code, int nr, int arch, long arg0, long arg1, int[] steps) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(16, arg0).putLong(24, arg1);
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
