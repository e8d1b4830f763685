package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.internal.net.NetHost;
import dev.joblet.testing.NeedsRoot;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The egress allow-list against an "outside" host that is a network namespace of this test and against the host
 * itself; bad input; and that nothing is left: interfaces, nftables rules, namespaces, files, and a dead JVM's.
 */
@NeedsRoot("for namespaces, veth and nftables")
class EgressAndCleanupTest {

    @Test
    void egressIsOffByDefaultAndPassesOnlyTheAllowList() throws Exception {
        NetTesting.HostState before = NetTesting.HostState.now();
        try (NetTesting.Outside out = new NetTesting.Outside(71)) {
            out.serve(8001);
            out.serve(8002);
            out.awaitReady(8001);
            out.awaitReady(8002);
            try (PrivateNetwork closed = Network.create("t-egress-off", "10.231.6.0/24");
                    PrivateNetwork open = Network.builder("t-egress-on", "10.231.7.0/24")
                            .allowEgress(out.address + "/32", 8001).create()) {
                assertThat(open.egress()).containsExactly(out.address + "/32:8001");
                // Allowed: the outside host sees the host's address (NAT), never the job's.
                assertThat(NetTesting.connect(open, out.address, 8001, 3)).isEqualTo("hello from " + out.hostAddress);
                // Same host, a port not on the list; and a network without egress.
                assertThat(NetTesting.connect(open, out.address, 8002, 1)).startsWith("failed: ");
                assertThat(NetTesting.connect(closed, out.address, 8001, 1)).startsWith("failed: ");
            }
        }
        assertThat(NetTesting.HostState.now()).isEqualTo(before);
    }

    @Test
    void theHostItselfIsOutsideToo() throws Exception {
        try (ServerSocket host = new ServerSocket()) {
            host.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int port = host.getLocalPort();
            CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
                while (!host.isClosed()) {
                    try (Socket c = host.accept()) {
                        c.getOutputStream().write(("hello from host\n").getBytes());
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            try (PrivateNetwork closed = Network.create("t-host-off", "10.231.8.0/24");
                    PrivateNetwork open = Network.builder("t-host-on", "10.231.9.0/24")
                            .allowEgress("10.231.9.1/32", port).create()) {
                assertThat(NetTesting.connect(closed, closed.gateway(), port, 1)).startsWith("failed: ");
                assertThat(NetTesting.connect(open, "gateway", port, 3)).isEqualTo("hello from host");
            }
            host.close();
            serving.join();
        }
    }

    @Test
    void badNetworksAndJobsFailClearlyAndLeaveNothing() throws Exception {
        NetTesting.HostState before = NetTesting.HostState.now();
        try (PrivateNetwork net = Network.create("t-bad", "10.231.10.0/24")) {
            assertThatThrownBy(() -> Network.create("t-bad", "10.231.11.0/24"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("network name (t-bad) is in use");
            assertThatThrownBy(() -> Network.create("t-bad2", "10.231.10.128/25"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cidr (10.231.10.128/25) overlaps 10.231.10.0/24 of network t-bad");
            assertThatThrownBy(() -> Network.create("t-bad3", "127.1.0.0/16"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("overlaps 127.0.0.0/8, a network this host already routes");
            assertThat(Network.named("t-bad")).containsSame(net);
            assertThat(Network.named("t-nope")).isEmpty();
            net.close();
            assertThat(Network.named("t-bad")).isEmpty();
            assertThatThrownBy(() -> Joblet.builder().network(net).command("true").start())
                    .isInstanceOf(JobStartException.class).hasMessageContaining("network t-bad is closed");
        }
        try (PrivateNetwork tiny = Network.create("t-full", "10.231.12.0/29");
                Job a = Joblet.builder().network(tiny).hostname("same").command("sleep", "60").start()) {
            assertThatThrownBy(() -> Joblet.builder().network(tiny).hostname("same").command("true").start())
                    .isInstanceOf(JobStartException.class).hasMessageContaining("host name same is in use on network t-full");
            // A /29 has 5 addresses for jobs.
            java.util.List<Job> more = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    more.add(Joblet.builder().network(tiny).command("sleep", "60").start());
                }
                assertThatThrownBy(() -> Joblet.builder().network(tiny).command("true").start())
                        .isInstanceOf(JobStartException.class).hasMessageContaining("has no free address");
            } finally {
                more.forEach(Job::close);
            }
        }
        assertThat(NetTesting.HostState.now()).isEqualTo(before);
    }

    @Test
    void whatADeadJvmLeftIsSwept() throws Exception {
        NetTesting.HostState before = NetTesting.HostState.now();
        String dead = "4000000000:1"; // no such pid
        NetTesting.sh("ip", "link", "add", "jbr-deadbeef", "type", "bridge");
        NetTesting.sh("ip", "link", "set", "dev", "jbr-deadbeef", "alias", "joblet:" + dead);
        NetTesting.sh("ip", "netns", "add", "joblet-4000000000_1-deadbeef");
        NetTesting.sh("nft", "add", "table", "inet", "joblet_4000000000_1");
        Path state = Path.of("/run/joblet/net/joblet-4000000000_1-old");
        Files.createDirectories(state);
        Files.writeString(state.resolve("hosts"), "10.0.0.2 x\n");
        // The same in names with an instance part (one Joblet of the dead JVM).
        String deadInstance = dead + ":0badcafe";
        NetTesting.sh("ip", "link", "add", "jbr-deadcafe", "type", "bridge");
        NetTesting.sh("ip", "link", "set", "dev", "jbr-deadcafe", "alias", "joblet:" + deadInstance);
        NetTesting.sh("ip", "netns", "add", "joblet-4000000000_1_0badcafe-deadbeef");
        NetTesting.sh("nft", "add", "table", "inet", "joblet_4000000000_1_0badcafe");
        Path instanceState = Path.of("/run/joblet/net/joblet-4000000000_1_0badcafe-old");
        Files.createDirectories(instanceState);
        // A live owner's objects stay: this JVM's own.
        String live = ProcessHandle.current().pid() + ":" + NetTesting.sh("cut", "-d", " ", "-f", "22",
                "/proc/" + ProcessHandle.current().pid() + "/stat").trim();
        NetTesting.sh("ip", "link", "add", "jbr-alive000", "type", "bridge");
        NetTesting.sh("ip", "link", "set", "dev", "jbr-alive000", "alias", "joblet:" + live);
        try {
            assertThat(NetHost.sweep()).isEqualTo(8);
            String links = NetTesting.sh("ip", "-o", "link", "show");
            assertThat(links).doesNotContain("jbr-deadbeef").doesNotContain("jbr-deadcafe").contains("jbr-alive000");
            assertThat(NetTesting.sh("nft", "list", "tables")).doesNotContain("joblet_4000000000_1");
            assertThat(Path.of("/run/netns/joblet-4000000000_1-deadbeef")).doesNotExist();
            assertThat(Path.of("/run/netns/joblet-4000000000_1_0badcafe-deadbeef")).doesNotExist();
            assertThat(state).doesNotExist();
            assertThat(instanceState).doesNotExist();
        } finally {
            NetTesting.sh("ip", "link", "del", "jbr-alive000");
        }
        assertThat(NetTesting.HostState.now().links()).isEqualTo(before.links());
    }
}
