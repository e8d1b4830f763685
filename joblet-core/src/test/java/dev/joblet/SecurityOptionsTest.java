package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.internal.SeccompCompiler;
import org.junit.jupiter.api.Test;

/** The least-privilege defaults, their relaxations and contradictory options. No privileges needed. */
class SecurityOptionsTest {
    @Test
    void defaultsAreLeastPrivilege() {
        Security s = Joblet.builder().command("true").build().security();
        assertThat(s.ownIdentity()).as("a host identity of its own").isTrue();
        assertThat(s.uid()).as("the rootless fallback").isEqualTo(65534);
        assertThat(s.gid()).isEqualTo(65534);
        assertThat(s.rootInUserNamespace()).isFalse();
        assertThat(s.capabilities()).isEmpty();
        assertThat(s.seccomp()).isEqualTo(SeccompPolicy.defaults());
        assertThat(s.noNewPrivileges()).isTrue();
        assertThat(s.hardenedProc()).isTrue();
        assertThat(s.rlimits()).containsEntry(ResourceLimit.NOFILE, new Security.Limit(1024, 4096))
                .containsEntry(ResourceLimit.CORE, new Security.Limit(0, 0));
    }

    @Test
    void rootInsideWithoutAUserNamespaceIsAnError() {
        assertThatThrownBy(() -> Joblet.builder().user(0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user (uid 0, gid 0) is root").hasMessageContaining("rootInUserNamespace()");
        assertThatThrownBy(() -> Joblet.builder().user(1000, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid 0");
        assertThatThrownBy(() -> Joblet.builder().rootInUserNamespace(0, 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host uid 0");
        assertThatThrownBy(() -> Joblet.builder().user(-5, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uid (-5)");
    }

    @Test
    void pinnedIdsAreUsedAsGivenAndRootInAUserNamespaceGetsAnIdentityOfItsOwn() {
        assertThat(Joblet.builder().command("true").user(1000, 1000).build().security().ownIdentity()).isFalse();
        assertThat(Joblet.builder().command("true").rootInUserNamespace(100000, 100000).build().security().ownIdentity())
                .isFalse();
        assertThat(Joblet.builder().command("true").privileged().build().security().ownIdentity()).isFalse();
        Security s = Joblet.builder().command("true").rootInUserNamespace().build().security();
        assertThat(s.ownIdentity()).isTrue();
        assertThat(s.rootInUserNamespace()).isTrue();
        assertThat(s.uid()).isZero();
    }

    @Test
    void rootInUserNamespaceMapsToAnUnprivilegedHostId() {
        Security s = Joblet.builder().command("true").rootInUserNamespace(100000, 100001).build().security();
        assertThat(s.uid()).isZero();
        assertThat(s.rootInUserNamespace()).isTrue();
        assertThat(s.hostUid()).isEqualTo(100000);
        assertThat(s.hostGid()).isEqualTo(100001);
        // A later user(...) switches back to an unprivileged user without a user namespace.
        assertThat(Joblet.builder().command("true").rootInUserNamespace().user(1000, 1000).build().security()
                .rootInUserNamespace()).isFalse();
    }

    @Test
    void seccompPolicyThatWouldDenyTheExecItselfIsAnError() {
        assertThatThrownBy(() -> SeccompPolicy.defaults().deny("execve")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seccomp deny (execve) would stop every job");
        assertThatThrownBy(() -> SeccompPolicy.defaults().deny("setresuid")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeccompPolicy.defaults().allow("nosuchcall")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seccomp syscall (nosuchcall) is not a system call");
    }

    @Test
    void rlimitSoftAboveHardIsAnError() {
        assertThatThrownBy(() -> Joblet.builder().rlimit(ResourceLimit.NOFILE, 10, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rlimit NOFILE soft limit (10) exceeds the hard limit (5)");
        assertThatThrownBy(() -> Joblet.builder().rlimit(ResourceLimit.NOFILE, -1, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Joblet.builder().command("true").rlimit(ResourceLimit.NPROC, 5, ResourceLimit.UNLIMITED).build().security()
                .rlimits()).containsEntry(ResourceLimit.NPROC, new Security.Limit(5, -1));
    }

    @Test
    void relaxationsAreKeptByToBuilder() {
        JobSpec s = Joblet.builder().command("true").capabilities(Capability.NET_BIND_SERVICE).noNewPrivileges(false)
                .hardenedProc(false).seccomp(SeccompPolicy.disabled()).build();
        Security t = s.toBuilder().build().security();
        assertThat(t.capabilities()).containsExactly(Capability.NET_BIND_SERVICE);
        assertThat(t.noNewPrivileges()).isFalse();
        assertThat(t.hardenedProc()).isFalse();
        assertThat(t.seccomp().isEnabled()).isFalse();
        assertThat(t.capabilityMask()).isEqualTo(1L << 10);
    }

    @Test
    void aPolicyIsCompiledOnceAndSharedByEqualPolicies() {
        SeccompPolicy p = SeccompPolicy.defaults().allow("ptrace").deny("mbind");
        long before = SeccompCompiler.compilations();
        byte[] first = p.program().bytes();
        for (int i = 0; i < 100; i++) {
            assertThat(SeccompPolicy.defaults().allow("ptrace").deny("mbind").program().bytes()).isEqualTo(first);
        }
        assertThat(SeccompCompiler.compilations() - before).isEqualTo(1);
        assertThat(SeccompPolicy.disabled().program().instructions()).isZero();
    }

    @Test
    void theDefaultFilterChecksTheArchitectureFirstAndEndsInAReturn() {
        byte[] code = SeccompPolicy.defaults().program().bytes();
        // ld [4] (arch); jeq AUDIT_ARCH_X86_64; ret KILL_PROCESS
        assertThat(code[0]).isEqualTo((byte) 0x20);
        assertThat(code[4]).isEqualTo((byte) 4);
        assertThat(code[8]).isEqualTo((byte) 0x15);
        assertThat(u32(code, 12)).isEqualTo(0xC000003E);
        assertThat(u32(code, 20)).isEqualTo(0x80000000);
        // last: a return (the search tree's last leaf ends in ret EPERM; SeccompCompilerTest runs the whole filter)
        assertThat(code[code.length - 8]).isEqualTo((byte) 0x06);
        assertThat(u32(code, code.length - 4)).isIn(0x7fff0000, 0x00050001);
        assertThat(SeccompPolicy.defaults().denied()).contains("mount", "bpf", "keyctl", "kexec_load", "unshare")
                .doesNotContain("execve", "ptrace");
    }

    private static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
