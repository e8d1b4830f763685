package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A private network belongs to the Joblet that created it: names are per instance (never overlapping CIDRs), and
 * an instance's close removes its networks, and only its own, with everything they held on the host (bridge, nft
 * table, namespaces, veths, state directory, threads), even while its jobs still run on them.
 */
@NeedsRoot("for namespaces, veth and nftables")
class EachJobletOwnsItsNetworksTest {

    @Test
    void twoInstancesHaveANetworkOfOneNameAndEachCloseRemovesOnlyItsOwn() throws Exception {
        NetTesting.HostState before = NetTesting.HostState.now();
        long tablesBefore = tables();
        Set<Thread> threadsBefore = netThreads();
        Joblet a = Joblet.create();
        Joblet b = Joblet.create();
        try {
            PrivateNetwork na = a.createNetwork("t-owned", "10.231.50.0/29");
            PrivateNetwork nb = b.createNetwork("t-owned", "10.231.51.0/29");
            assertThat(a.network("t-owned")).containsSame(na);
            assertThat(b.network("t-owned")).containsSame(nb);
            assertThat(tables()).as("a table each").isEqualTo(tablesBefore + 2);
            assertThatThrownBy(() -> a.createNetwork("t-owned", "10.231.52.0/29"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("network name (t-owned) is in use");
            assertThatThrownBy(() -> b.createNetwork("t-other", "10.231.50.0/29"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cidr (10.231.50.0/29) overlaps");

            Job serverA = a.start(NetTesting.server(na, "srv", 8000).build()); // still running at a's close
            try (Job serverB = b.start(NetTesting.server(nb, "srv", 8000).build())) {
                assertThat(connect(a, na)).isEqualTo("hello from 10.231.50.3");
                assertThat(connect(b, nb)).isEqualTo("hello from 10.231.51.3");

                a.close();
                assertThat(serverA.isAlive()).isFalse();
                assertThat(na.isClosed()).isTrue();
                assertThat(a.network("t-owned")).isEmpty();
                assertThat(tables()).as("a's table is gone, b's stays").isEqualTo(tablesBefore + 1);
                assertThat(connect(b, nb)).as("b's network still works").startsWith("hello from 10.231.51.");
            }
            b.close();
            assertThat(tables()).isEqualTo(tablesBefore);
            assertThat(NetTesting.HostState.now()).isEqualTo(before);
            Set<Thread> left = netThreads();
            left.removeAll(threadsBefore);
            assertThat(left.stream().map(Thread::getName).collect(Collectors.toList())).as("threads after close").isEmpty();
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aClosedInstanceRefusesNetworksAndTheOldEntryPointUsesTheSystemInstance() throws Exception {
        Joblet closed = Joblet.create();
        closed.close();
        assertThatThrownBy(() -> closed.createNetwork("t-closed", "10.231.53.0/29"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("this Joblet is closed");
        try (PrivateNetwork n = Network.create("t-system", "10.231.53.0/29")) {
            assertThat(Network.named("t-system")).containsSame(n);
            assertThat(Joblet.system().network("t-system")).containsSame(n);
            assertThat(closed.network("t-system")).isEmpty();
        }
        assertThat(Network.named("t-system")).isEmpty();
    }

    private static String connect(Joblet joblet, PrivateNetwork net) throws Exception {
        try (Job job = joblet.start(Joblet.builder().network(net).command("python3", "-c", NetTesting.CLIENT, "srv",
                "8000", "100").build())) {
            JobResult r = job.await(Duration.ofSeconds(120)).orElseThrow(() -> new AssertionError("client did not end"));
            assertThat(r.reason()).as(job.stderr().text()).isEqualTo(EndReason.EXITED);
            return job.stdout().text().trim();
        }
    }

    /** This JVM's nftables tables. */
    private static long tables() throws Exception {
        String mine = "table inet joblet_" + ProcessHandle.current().pid() + "_";
        return NetTesting.sh("nft", "list", "tables").lines().filter(l -> l.startsWith(mine)).count();
    }

    private static Set<Thread> netThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("joblet-net-"))
                .collect(Collectors.toCollection(HashSet::new));
    }
}
