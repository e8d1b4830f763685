package dev.joblet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.EndReason;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.testing.NeedsRoot;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per call: environment, stdin, timeout, limits; per session: the egress allow-list; templates keep safe defaults. */
@NeedsRoot("for namespaces, cgroups and private networks")
class RunOptionsTest {
    @TempDir
    Path root;

    /** Forks up to N sleeping children and prints how many forks succeeded before the pids limit refused one. */
    private static final String FORKS = "import os, time\nn = 0\nfor i in range(%d):\n    try:\n        pid = os.fork()\n"
            + "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n"
            + "    n += 1\nprint(n, flush=True)\n";

    @Test
    void envAndStdinAreSeenByTheCall() throws Exception {
        Sandbox sandbox = Sandbox.builder().sessionRoot(root).env("FROM_SANDBOX", "s").build();
        ExecutionResult r = sandbox.run(Language.PYTHON3, "import os, sys; print(os.environ['N'], os.environ['FROM_SANDBOX'],"
                + " sys.stdin.read())", RunOptions.builder().env("N", "7").stdin("from stdin").build());
        assertThat(r.stdout()).as(r.toToolText()).isEqualTo("7 s from stdin\n");
        try (SandboxSession s = sandbox.openSession()) {
            ExecutionResult b = s.run(Language.BASH, "read line; echo \"$line/$N\"",
                    RunOptions.builder().env("N", "8").stdin("typed\n").build());
            assertThat(b.stdout()).isEqualTo("typed/8\n");
        }
    }

    @Test
    void aCallsTimeoutKillsItAndItsPidsLimitHolds() throws Exception {
        Sandbox sandbox = Sandbox.builder().sessionRoot(root).build();
        ExecutionResult slow = sandbox.run(Language.BASH, "sleep 30", RunOptions.builder().timeout(Duration.ofMillis(300)).build());
        assertThat(slow.reason()).isEqualTo(EndReason.TIMED_OUT);
        assertThat(slow.duration()).isLessThan(Duration.ofSeconds(20));
        // 8 processes at most: forks fail inside the job before the eighth child
        ExecutionResult forks = sandbox.run(Language.PYTHON3, FORKS.formatted(50), RunOptions.builder().pidsMax(8).build());
        assertThat(Integer.parseInt(forks.stdout().trim())).as(forks.toToolText()).isBetween(1, 7);
        assertThatThrownBy(() -> RunOptions.builder().timeout(Duration.ZERO)).hasMessage("timeout (PT0S) must be positive");
        assertThatThrownBy(() -> RunOptions.builder().memory(MemorySize.ofMegabytes(1)))
                .hasMessage("memory (1 MiB) must be at least 4 MiB");
    }

    @Test
    void aTemplateKeepsTheSandboxDefaultsForWhatItDoesNotName() throws Exception {
        Sandbox t = Sandbox.builder().sessionRoot(root).template(Joblet.builder().command("x").env("A", "b").build()).build();
        assertThat(t.template().timeout()).hasValue(Duration.ofSeconds(30));
        assertThat(t.template().pidsMax()).isEqualTo(128);
        assertThat(t.template().stopGrace()).isEqualTo(Duration.ofMillis(500));
        assertThat(t.template().network()).isEqualTo(dev.joblet.Network.NONE);
        assertThat(t.template().memory()).hasValue(MemorySize.ofMegabytes(512));
        ExecutionResult env = t.run(Language.BASH, "echo $A");
        assertThat(env.stdout()).isEqualTo("b\n");
        ExecutionResult seen = t.run(Language.PYTHON3, FORKS.formatted(300)); // 128 enforced, not only written
        assertThat(Integer.parseInt(seen.stdout().trim())).as(seen.toToolText()).isBetween(100, 127);
        Sandbox named = Sandbox.builder().template(Joblet.builder().command("x").memory(MemorySize.ofMegabytes(256))
                .timeout(Duration.ofSeconds(5)).pidsMax(64).build()).build();
        assertThat(named.template().memory()).hasValue(MemorySize.ofMegabytes(256));
        assertThat(named.template().timeout()).hasValue(Duration.ofSeconds(5));
        assertThat(named.template().pidsMax()).isEqualTo(64);
        assertThat(named.template().stopGrace()).isEqualTo(Duration.ofMillis(500));
    }

    /** Two servers of this test on the session network's gateway: the allowed one answers, the other is refused. */
    @Test
    void aSessionsEgressAllowListReachesTheAllowedHostAndRefusesTheRest() throws Exception {
        Sandbox sandbox = Sandbox.builder().sessionRoot(root).build();
        try (ServerSocket portA = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket portB = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int a = portA.getLocalPort(), b = portB.getLocalPort(); // held on loopback so nobody else takes them
            String gateway = "10.219.143.1";
            dev.joblet.PrivateNetwork[] net = new dev.joblet.PrivateNetwork[1];
            try (SandboxSession s = sandbox.openSession(SessionOptions.builder().subnet("10.219.143.0/28")
                    .allowEgress(gateway + "/32", a).build());
                    SandboxSession closed = sandbox.openSession()) {
                net[0] = s.network().orElseThrow();
                assertThat(net[0].egress()).containsExactly(gateway + "/32:" + a);
                assertThat(closed.network()).isEmpty();
                try (ServerSocket serverA = serve(gateway, a); ServerSocket serverB = serve(gateway, b)) {
                    String connect = "import socket\nfor p in %s:\n"
                            + "    try:\n        c = socket.create_connection(('" + gateway + "', p), timeout=2)\n"
                            + "        print(p, c.recv(100).decode().strip())\n"
                            + "    except OSError as e:\n        print(p, 'refused', type(e).__name__)\n";
                    ExecutionResult r = s.run(Language.PYTHON3, connect.formatted("[" + a + ", " + b + "]"));
                    assertThat(r.stdout()).as(r.toToolText()).startsWith(a + " hello\n" + b + " refused");
                    ExecutionResult none = closed.run(Language.PYTHON3, connect.formatted("[" + a + "]"));
                    assertThat(none.stdout()).as(none.toToolText()).startsWith(a + " refused");
                }
            }
            assertThat(net[0].isClosed()).as("the session's network went with it").isTrue();
            assertThat(Joblet.system().network(net[0].name())).isEmpty();
        }
    }

    private static ServerSocket serve(String address, int port) throws Exception {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        CompletableFuture.runAsync(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept(); OutputStream out = c.getOutputStream()) {
                    out.write("hello\n".getBytes(StandardCharsets.UTF_8));
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        return s;
    }
}
