package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A default job gets the socket families and netlink protocols programs need and no others; its audit login uid is
 * fixed before it runs; /proc/pressure is read-only. Each relaxed by name.
 */
@NeedsRoot("to run real jobs")
class KernelInterfacesASandboxDoesNotNeedAreClosedTest {
    private static final String SOCKETS = String.join("\n",
            "def try_(name, f):",
            "    try:",
            "        f(); print(name, 'ok')",
            "    except OSError as e:",
            "        print(name, errno.errorcode[e.errno])",
            "try_('unix', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))",
            "try_('socketpair', lambda: socket.socketpair())",
            "try_('inet', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))",
            "try_('inet6', lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))",
            "try_('route', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).bind((0, 0)))",
            "try_('getaddrinfo', lambda: socket.getaddrinfo('localhost', 80, flags=socket.AI_ADDRCONFIG))",
            "try_('vsock', lambda: socket.socket(40, socket.SOCK_STREAM))",
            "try_('packet', lambda: socket.socket(17, socket.SOCK_DGRAM, 0))",
            "try_('alg', lambda: socket.socket(38, socket.SOCK_SEQPACKET, 0))",
            "try_('vsockpair', lambda: socket.socketpair(40, socket.SOCK_STREAM))",
            "try_('uevent', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15))",
            "try_('sockdiag', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4))",
            "try_('audit', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9))");

    private static String python(String code, UnaryOperator<JobSpec.Builder> spec) throws Exception {
        try (Job job = spec.apply(Joblet.builder().command("python3", "-c", EscapeAttempts.PRELUDE + code)).start()) {
            JobResult r = job.await();
            String out = job.stdout().text() + job.stderr().text();
            assertThat(r.exitCode()).as("output %s", out).hasValue(0);
            return out;
        }
    }

    @Test
    void onlyTheSocketFamiliesAndNetlinkProtocolsProgramsNeedWork() throws Exception {
        String out = python(SOCKETS, b -> b);
        assertThat(out).contains("unix ok", "socketpair ok", "inet ok", "inet6 ok", "route ok", "getaddrinfo ok",
                "vsock EAFNOSUPPORT", "packet EAFNOSUPPORT", "alg EAFNOSUPPORT", "vsockpair EAFNOSUPPORT",
                "uevent EPROTONOSUPPORT", "sockdiag EPROTONOSUPPORT", "audit EPROTONOSUPPORT");
        String relaxed = python(SOCKETS, b -> b.seccomp(SeccompPolicy.defaults().allowSocketFamily("AF_VSOCK")
                .allowNetlinkProtocol("NETLINK_KOBJECT_UEVENT", "NETLINK_SOCK_DIAG")));
        assertThat(relaxed).contains("vsock ok", "uevent ok", "sockdiag ok", "packet EAFNOSUPPORT", "audit EPROTONOSUPPORT");
        // Without the rule, what stops a packet socket is the missing CAP_NET_RAW.
        assertThat(python(SOCKETS, b -> b.seccomp(SeccompPolicy.defaults().allow("socket")))).contains("packet EPERM");
    }

    @Test
    void theLoginUidIsTheJobsUserAndFixed() throws Exception {
        String code = "print('loginuid', open('/proc/self/loginuid').read())\n"
                + "try:\n    os.write(os.open('/proc/self/loginuid', os.O_WRONLY), b'0'); print('rewritten')\n"
                + "except OSError as e:\n    print('write', errno.errorcode[e.errno])";
        // A default job runs as a host identity of its own: its loginuid is that uid, not nobody's.
        String same = "\nprint('same', int(open('/proc/self/loginuid').read()) == os.getuid())";
        assertThat(python(code + same, b -> b)).contains("same True", "write EPERM").doesNotContain("rewritten")
                .doesNotContain("loginuid 65534");
        assertThat(python(code, b -> b.user(1234, 1234))).contains("loginuid 1234", "write EPERM");
        // Root in a user namespace: its 0 is the host's 65534, and it holds no CAP_AUDIT_CONTROL of the host.
        assertThat(python(code, JobSpec.Builder::rootInUserNamespace)).contains("loginuid 0", "write EPERM");
    }

    @Test
    void pressureFilesAreReadOnly() throws Exception {
        String code = "print('read', len(open('/proc/pressure/cpu').read()) > 0)\n"
                + "try:\n    os.write(os.open('/proc/pressure/cpu', os.O_RDWR), b'some 150000 2000000\\0'); print('trigger made')\n"
                + "except OSError as e:\n    print('write', errno.errorcode[e.errno])";
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/pressure/cpu")),
                "this kernel has no PSI");
        assertThat(python(code, b -> b)).contains("read True", "write EROFS");
        assertThat(python(code, b -> b.hardenedProc(false))).contains("trigger made");
    }
}
