package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Helpers of the network tests: a TCP server and client for jobs (python3), host commands, and counts of the
 * host's interfaces, nftables rules and network namespaces. Every address used is inside this machine: the jobs'
 * networks, and "outside" hosts in network namespaces the tests make themselves.
 */
final class NetTesting {
    /** Serves "hello from PEER" to each connection on the port in argv[1]. */
    static final String SERVER = "import socket,sys\n"
            + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(16)\n"
            + "while True:\n"
            + "  c,a=s.accept(); c.sendall(('hello from ' + a[0] + '\\n').encode()); c.close()\n";

    /** Connects to argv[1]:argv[2], up to argv[3] tries; prints the reply or "failed: ERROR". */
    static final String CLIENT = "import socket,sys,time\n"
            + "h,p,n=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]); err=None\n"
            + "for i in range(n):\n"
            + "  try:\n"
            + "    c=socket.create_connection((h,p),timeout=2); print(c.recv(100).decode().strip()); sys.exit(0)\n"
            + "  except OSError as e:\n"
            + "    err=e; time.sleep(0.2)\n"
            + "print('failed: ' + type(err).__name__); sys.exit(1)\n";

    private NetTesting() {}

    static JobSpec.Builder server(Network net, String hostname, int port) {
        return Joblet.builder().network(net).hostname(hostname).command("python3", "-c", SERVER, String.valueOf(port));
    }

    /** Runs a client job to the end and returns its output line. */
    static String connect(Network net, String host, int port, int tries) throws Exception {
        try (Job job = Joblet.builder().network(net).command("python3", "-c", CLIENT, host, String.valueOf(port),
                String.valueOf(tries)).start()) {
            JobResult r = job.await(Duration.ofSeconds(120)).orElseThrow(() -> new AssertionError("client did not end"));
            assertThat(r.reason()).as(job.stderr().text()).isEqualTo(EndReason.EXITED);
            return job.stdout().text().trim();
        }
    }

    static String sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
        return out;
    }

    /** What the tests count before and after: interfaces, nftables rule lines, namespaces, state dirs. */
    record HostState(long links, long nftLines, long netns, long stateDirs) {
        static HostState now() throws Exception {
            return new HostState(sh("ip", "-o", "link", "show").lines().count(),
                    sh("nft", "list", "ruleset").lines().count(), count(Path.of("/run/netns")), count(Path.of("/run/joblet/net")));
        }

        private static long count(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            try (Stream<Path> s = Files.list(dir)) {
                return s.count();
            }
        }
    }

    /** An "outside" host: a network namespace joined to the host by a veth pair, host side 198.18.X.1/30. */
    static final class Outside implements AutoCloseable {
        final String ns;
        final String hostIf;
        final String address;
        final String hostAddress;
        private final List<Process> servers = new java.util.ArrayList<>();

        Outside(int x) throws Exception {
            long pid = ProcessHandle.current().pid();
            ns = "joblet-test-out-" + pid + "-" + x;
            hostIf = "jto" + (pid % 100000) + "x" + x;
            hostAddress = "198.18." + x + ".1";
            address = "198.18." + x + ".2";
            sh("ip", "netns", "add", ns);
            sh("ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", ns);
            sh("ip", "addr", "add", hostAddress + "/30", "dev", hostIf);
            sh("ip", "link", "set", hostIf, "up");
            sh("ip", "-n", ns, "addr", "add", address + "/30", "dev", "eth0");
            sh("ip", "-n", ns, "link", "set", "eth0", "up");
            sh("ip", "-n", ns, "link", "set", "lo", "up");
        }

        /** Starts a server (on the host's runtime) inside the outside namespace. */
        void serve(int port) throws IOException {
            servers.add(new ProcessBuilder("ip", "netns", "exec", ns, "python3", "-c", SERVER, String.valueOf(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }

        /** Waits until the server on {@code port} accepts (polled from the host, bounded). */
        void awaitReady(int port) throws Exception {
            for (int i = 0; i < 200; i++) {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress(address, port), 1000);
                    return;
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            throw new AssertionError("outside server " + address + ":" + port + " never came up");
        }

        @Override
        public void close() throws Exception {
            for (Process p : servers) {
                p.destroyForcibly().waitFor();
            }
            sh("ip", "link", "del", hostIf);
            sh("ip", "netns", "del", ns);
        }
    }
}
