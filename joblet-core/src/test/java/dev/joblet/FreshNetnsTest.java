package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Cold starts with only a loopback network join a namespace made ahead ({@link dev.joblet.namespaces.FreshNetns}, pooled by the Joblet): each job still gets
 * a namespace of its own that no other job used, with {@code lo} up and nothing else.
 */
@NeedsRoot("for network namespaces")
class FreshNetnsTest {
    /** This class's own instance, without warm supervisors: every job starts cold. */
    private final Joblet joblet = Joblet.create(JobletConfig.builder().warmPoolSize(0).build());

    @org.junit.jupiter.api.AfterEach
    void closeJoblet() {
        joblet.close();
    }


    /** Its lo's MTU, its interfaces and its namespace; then a mark (a smaller MTU) that a reused namespace would show. */
    private String[] coldJob() throws Exception {
        try (Job job = joblet.start(Joblet.builder().capabilities(Capability.NET_ADMIN)
                .command("bash", "-c", "ip -o link show lo | grep -o 'mtu [0-9]*'; ip -o link | cut -d: -f2 | tr -d ' \\n'; echo;"
                        + " ip -o link show lo | grep -c LOWER_UP; readlink /proc/self/ns/net; ip link set lo mtu 1300").build())) {
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            return job.stdout().text().split("\n");
        }
    }

    @Test
    void everyColdJobGetsANamespaceNoJobUsedBefore() throws Exception {
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        long before = joblet.netnsPool().taken();
        for (int i = 0; i < 8; i++) {
            String[] seen = coldJob();
            assertThat(seen[0]).as("a used namespace is never handed to another job").isEqualTo("mtu 65536");
            assertThat(seen[1].strip()).as("only a loopback interface").isEqualTo("lo");
            assertThat(seen[2]).as("lo is up").isEqualTo("1");
            assertThat(seen[3]).startsWith("net:[").isNotEqualTo(host);
            Thread.sleep(50); // time for the pool to make the next one
        }
        assertThat(joblet.netnsPool().taken() - before).as("cold starts took namespaces made ahead").isGreaterThanOrEqualTo(4);
    }

    @Test
    void twoRunningJobsNeverShareANamespace() throws Exception {
        Thread.sleep(50);
        try (Job a = joblet.start(Joblet.builder().command("sleep", "30").build());
                Job b = joblet.start(Joblet.builder().command("sleep", "30").build())) {
            Path na = Files.readSymbolicLink(Path.of("/proc/" + a.pid() + "/ns/net"));
            Path nb = Files.readSymbolicLink(Path.of("/proc/" + b.pid() + "/ns/net"));
            assertThat(na).isNotEqualTo(nb).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        }
    }

    @Test
    void drainClosesWhatWasMadeAheadAndEndsItsThread() throws Exception {
        coldJob(); // the pool is in use
        Thread.sleep(100);
        assertThat(joblet.netnsPool().ready()).isPositive();
        joblet.drainPools();
        assertThat(joblet.netnsPool().ready()).isZero();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("joblet-netns") && t.isAlive());
        assertThat(coldJob()[0]).isEqualTo("mtu 65536"); // and it starts over
    }
}
