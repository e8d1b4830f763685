package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Reachability within a private network, isolation between networks and from NONE, hosts, publishing. */
@NeedsRoot("for namespaces, veth and nftables")
class PrivateNetworkTest {

    @Test
    void jobsOnOneNetworkReachEachOtherByNameAndJobsElsewhereCannot() throws Exception {
        try (PrivateNetwork a = Network.create("t-reach-a", "10.231.1.0/24");
                PrivateNetwork b = Network.create("t-reach-b", "10.231.2.0/24");
                Job server = NetTesting.server(a, "server", 8000).start()) {
            assertThat(server.address()).hasValue("10.231.1.2");
            assertThat(a.members()).containsEntry("server", "10.231.1.2");
            // Same network, by host name; the retries wait for the server to listen.
            assertThat(NetTesting.connect(a, "server", 8000, 100)).isEqualTo("hello from 10.231.1.3");
            // Another network, by address: nothing gets through (and its jobs do not know the name).
            assertThat(NetTesting.connect(b, "10.231.1.2", 8000, 2)).startsWith("failed: ");
            assertThat(NetTesting.connect(b, "server", 8000, 1)).isEqualTo("failed: gaierror");
            // No network at all (the default).
            assertThat(NetTesting.connect(Network.NONE, "10.231.1.2", 8000, 1)).startsWith("failed: ");
            // Each client's host name is released when it ends (its address once its namespace has gone).
            assertThat(NetTesting.connect(a, "10.231.1.2", 8000, 5)).startsWith("hello from 10.231.1.");
            assertThat(a.members()).containsOnlyKeys("server");
        }
    }

    @Test
    void everyJobSeesTheNamesOfTheOthersIncludingLaterOnes() throws Exception {
        try (PrivateNetwork net = Network.create("t-hosts", "10.231.4.0/29");
                Job first = Joblet.builder().network(net).hostname("first").timeout(Duration.ofSeconds(60))
                        .command("bash", "-c", "until grep -q second /etc/hosts; do sleep 0.1; done; cat /etc/hosts; sleep 60")
                        .start()) {
            // "first" prints its /etc/hosts once it names a job that joined after it, and stays. "second" stays
            // until then too, so that its entry cannot come and go between two of first's looks.
            try (Job second = Joblet.builder().network(net).hostname("second")
                    .command("python3", "-c", "import socket, time; print(socket.gethostbyname('first'), flush=True); time.sleep(60)")
                    .start()) {
                for (int i = 0; i < 600 && !(first.stdout().text().contains("gateway") && !second.stdout().text().isEmpty()); i++) {
                    Thread.sleep(50);
                }
                assertThat(second.stdout().text()).isEqualTo("10.231.4.2\n");
                assertThat(first.stdout().text()).contains("10.231.4.2\tfirst").contains("10.231.4.3\tsecond")
                        .contains("10.231.4.1\tgateway");
            }
            assertThat(net.members()).as("the second job's address and name are released").containsOnlyKeys("first");
        }
    }

    @Test
    void aPublishedPortIsReachableOnTheHostsLoopback() throws Exception {
        try (PrivateNetwork net = Network.create("t-publish", "10.231.5.0/24");
                Job server = NetTesting.server(net, "web", 8000).publish(8000, 0).start()) {
            int port = server.publishedPort(8000);
            assertThat(port).isPositive();
            String reply = null;
            for (int i = 0; i < 200 && reply == null; i++) {
                reply = readLine(port);
                if (reply == null) {
                    Thread.sleep(50);
                }
            }
            // The job sees the host as the gateway: the relay connects from the bridge's address.
            assertThat(reply).isEqualTo("hello from 10.231.5.1");
        }
    }

    private static String readLine(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? null : text;
        } catch (IOException e) {
            return null;
        }
    }
}
