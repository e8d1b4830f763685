package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `rnx network run`: a network made for a group of jobs, which reach each other by name, and gone afterwards. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RnxNetworkRunTest {
    private static final String SERVER = "python3 -c \"import socket; s=socket.socket(); "
            + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 8000)); s.listen(4); "
            + "c,a=s.accept(); c.sendall(b'pong'); c.close()\"";
    private static final String CLIENT = "python3 -c \"import socket,time\nfor i in range(100):\n  try:\n"
            + "    c=socket.create_connection(('web', 8000), timeout=2); print(c.recv(10).decode()); break\n"
            + "  except OSError: time.sleep(0.1)\"; exit 7";

    @Test
    @NeedsRoot("to run real jobs on a private network")
    void jobsOfTheGroupReachEachOtherByNameAndTheLastOneGivesTheStatus() throws Exception {
        long before = netns();
        Captured c = rnx("network", "run", "rnx-test", "--cidr=10.231.40.0/24",
                "--job=web=" + SERVER, "--job=client=" + CLIENT);
        assertThat(c.status).as("%s", c).isEqualTo(7);
        assertThat(c.out()).as("%s", c).contains("client | pong");
        assertThat(c.err()).contains("network rnx-test 10.231.40.0/24");
        assertThat(netns()).as("the network's namespaces are gone").isEqualTo(before);
        assertThat(rnx("network", "run", "rnx-test", "--cidr=10.231.40.0/24", "--job=a=true").status)
                .as("the name is free again").isZero();
    }

    /** rnx waits for every job: one that ends before an earlier one no longer cuts that one's output. */
    @Test
    @NeedsRoot("to run real jobs on a private network")
    void everyJobsOutputIsPrintedToItsEndAndServicesAreStoppedAfterTheJobs() throws Exception {
        long before = netns();
        Captured c = rnx("network", "run", "rnx-all", "--cidr=10.231.42.0/24",
                "--job=slow=sleep 2; seq 1 20000; echo slow-done", "--job=fast=echo fast-done; exit 3");
        assertThat(c.status).as("the last job's status").isEqualTo(3);
        assertThat(c.out().lines().filter(l -> l.startsWith("slow | "))).as("%s", c.err()).hasSize(20001);
        assertThat(c.out()).contains("slow | 20000\nslow | slow-done\n").contains("fast | fast-done\n");

        c = rnx("network", "run", "rnx-all", "--cidr=10.231.42.0/24", "--service=svc=echo up; exec sleep 600",
                "--job=client=sleep 1; echo client-done");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).contains("svc | up\n").contains("client | client-done\n");
        assertThat(netns()).as("the network's namespaces are gone").isEqualTo(before);
    }

    @Test
    void badInputIsAUsageError() {
        Captured c = rnx("network", "run", "x", "--cidr=10.231.41.0/30", "--job=a=true");
        assertThat(c.status).isEqualTo(Rnx.EXIT_USAGE);
        assertThat(c.err()).contains("--cidr: cidr (10.231.41.0/30) must be /8 to /29");
        c = rnx("network", "run", "x", "--cidr=10.231.41.0/24", "--job=Not A Job");
        assertThat(c.status).isEqualTo(Rnx.EXIT_USAGE);
        assertThat(c.err()).contains("--job: 'Not A Job' is not HOST=COMMAND");
        c = rnx("network", "run", "x", "--cidr=10.231.41.0/24", "--job=a=true", "--job=a=false");
        assertThat(c.err()).contains("host name a is given twice");
        c = rnx("network", "run", "x", "--cidr=10.231.41.0/24", "--service=a=true", "--job=a=false");
        assertThat(c.status).isEqualTo(Rnx.EXIT_USAGE);
        assertThat(c.err()).contains("--job: host name a is given twice");
        c = rnx("network", "run", "x", "--cidr=10.231.41.0/24", "--service=oops", "--job=a=false");
        assertThat(c.err()).contains("--service: 'oops' is not HOST=COMMAND");
    }

    /** This JVM's network namespaces (other processes may make their own meanwhile). */
    private static long netns() throws Exception {
        if (!Files.isDirectory(Path.of("/run/netns"))) {
            return 0;
        }
        try (Stream<Path> s = Files.list(Path.of("/run/netns"))) {
            String mine = "joblet-" + ProcessHandle.current().pid() + "_";
            return s.filter(p -> p.getFileName().toString().startsWith(mine)).count();
        }
    }
}
