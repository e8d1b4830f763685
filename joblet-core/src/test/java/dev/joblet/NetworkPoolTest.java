package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pool of ready namespaces and the background teardown: every job gets a fresh namespace, addresses come
 * back, a job's close() returns only once its namespace and veth have gone, and nothing stays.
 */
@NeedsRoot("for namespaces, veth and nftables")
class NetworkPoolTest {

    /**
     * The job's view: its loopback's MTU and its address; then it leaves a mark in its namespace (a smaller MTU on
     * lo) that a job given the same namespace again would see.
     */
    private static String whoAmI(Network net) throws Exception {
        try (Job job = Joblet.builder().network(net).capabilities(Capability.NET_ADMIN)
                .command("bash", "-c", "ip -o link show lo | grep -o 'mtu [0-9]*'; ip -4 -o addr show eth0; ip link set lo mtu 1300")
                .start()) {
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.reason()).as(job.stderr().text()).isEqualTo(EndReason.EXITED);
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            return job.stdout().text();
        }
    }

    @Test
    void everyJobGetsAFreshNamespaceAndAddressesComeBack() throws Exception {
        NetTesting.HostState before = NetTesting.HostState.now();
        // A /29 has 5 addresses for jobs, two of them held by the pool at any time: 12 jobs in a row need reuse.
        try (PrivateNetwork net = Network.builder("t-pool", "10.231.20.0/29").pool(2).create()) {
            for (int i = 0; i < 12; i++) {
                String seen = whoAmI(net);
                assertThat(seen.lines().findFirst()).as("a used namespace is never handed to another job").hasValue("mtu 65536");
                assertThat(seen).contains("inet 10.231.20.");
            }
            assertThat(net.members()).isEmpty();
        }
        assertThat(NetTesting.HostState.now()).isEqualTo(before);
    }

    @Test
    void closeOfAJobReturnsOnlyWhenItsNamespaceHasGone() throws Exception {
        try (PrivateNetwork net = Network.builder("t-nopool", "10.231.21.0/24").pool(0).create()) {
            NetTesting.HostState empty = NetTesting.HostState.now(); // the bridge, no namespace: no pool
            Job job = Joblet.builder().network(net).command("sleep", "60").start();
            assertThat(NetTesting.HostState.now().netns()).isEqualTo(empty.netns() + 1);
            job.close(); // kills it; its result comes first, its namespace goes after, and close() waits for that
            assertThat(NetTesting.HostState.now()).isEqualTo(empty);
        }
    }

    @Test
    void concurrentJobsTakeDistinctAddressesAndAFullNetworkStillSaysSo() throws Exception {
        NetTesting.HostState before = NetTesting.HostState.now();
        try (PrivateNetwork net = Network.builder("t-poolfull", "10.231.22.0/29").pool(3).create()) {
            List<Job> jobs = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    jobs.add(Joblet.builder().network(net).command("sleep", "60").start());
                }
                Set<String> addresses = new HashSet<>();
                jobs.forEach(j -> addresses.add(j.address().orElseThrow()));
                assertThat(addresses).hasSize(5);
                assertThatThrownBy(() -> Joblet.builder().network(net).command("true").start())
                        .isInstanceOf(JobStartException.class).hasMessageContaining("has no free address");
            } finally {
                jobs.forEach(Job::close);
            }
        }
        assertThat(NetTesting.HostState.now()).isEqualTo(before);
    }

    @Test
    void poolSizeIsChecked() {
        assertThatThrownBy(() -> Network.builder("t-x", "10.231.23.0/24").pool(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pool (-1) must be 0 to 64");
    }
}
