package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A job can resolve its own name, as programs that look up their own host expect: its /etc/hosts names its hostname
 * (on 127.0.1.1, or on its address on a private network) and its /etc/hostname holds it; both are read-only in the
 * job. The same holds for a job whose root was built ahead by a warm supervisor and that was named only afterwards.
 */
@NeedsRoot("for namespaces and cgroups")
class JobsResolveTheirOwnNameTest {
    /** The job's own view: its hostname, /etc/hostname, getent and Python's resolution of its own name, a write. */
    private static final String PROBE = "hostname; cat /etc/hostname; getent hosts \"$(hostname)\" | tr -s ' \\t' ' ';"
            + " python3 -c 'import socket; print(socket.gethostbyname(socket.gethostname()))';"
            + " if (echo x >/etc/hosts) 2>/dev/null || (echo x >/etc/hostname) 2>/dev/null; then echo writable; fi";

    /** The instance the jobs start on (its warm pool serves the last test), closed after each test. */
    private final Joblet joblet = Joblet.create();

    @AfterEach
    void close() {
        joblet.close();
    }

    private String run(JobSpec.Builder b) throws Exception {
        try (Job job = joblet.start(b.command("sh", "-c", PROBE).build())) {
            JobResult r = job.await();
            assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
            return job.stdout().text();
        }
    }

    private static String expected(String name, String address) {
        return name + "\n" + name + "\n" + address + " " + name + "\n" + address + "\n";
    }

    @Test
    void aDefaultJobResolvesItsName() throws Exception {
        try (Job job = joblet.start(Joblet.builder().command("sh", "-c", PROBE).build())) {
            job.await();
            String name = "job-" + job.id().shortForm();
            assertThat(job.stdout().text()).as(job.stderr().text()).isEqualTo(expected(name, "127.0.1.1"));
        }
    }

    @Test
    void aJobWithAHostnameOfItsOwnResolvesIt() throws Exception {
        assertThat(run(Joblet.builder().hostname("compat-named"))).isEqualTo(expected("compat-named", "127.0.1.1"));
    }

    @Test
    void theHostsFileStartsWithTheLoopbackNames() throws Exception {
        try (Job job = joblet.start(Joblet.builder().hostname("compat-lo").command("cat", "/etc/hosts").build())) {
            job.await();
            assertThat(job.stdout().text()).isEqualTo("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                    + "127.0.1.1\tcompat-lo\n");
        }
    }

    @Test
    void onThePrivateNetworkItsNameIsItsAddress() throws Exception {
        try (PrivateNetwork net = Network.create("t-ownname", "10.231.9.0/29")) {
            assertThat(run(Joblet.builder().network(net).hostname("compat-net"))).isEqualTo(expected("compat-net", "10.231.9.2"));
        }
    }

    /**
     * getent asks for an IPv6 address first, which the hosts file lacks, then the nameservers: a network without
     * egress names none (the host's cannot be reached from it, and its queries were dropped: 2 x 5 s), so the lookup
     * answers from the hosts file at once. Bounded by the job's own 5 s timeout (exit 124 past it).
     */
    @Test
    void onThePrivateNetworkGetentAnswersWithoutWaitingForANameserver() throws Exception {
        try (PrivateNetwork net = joblet.createNetwork("t-getent", "10.231.9.8/29");
                Job job = joblet.start(Joblet.builder().network(net).hostname("compat-getent")
                        .command("sh", "-c", "timeout 5 getent hosts compat-getent && timeout 5 getent hosts gateway"
                                + " && grep -c '^nameserver' /etc/resolv.conf").build())) {
            JobResult r = job.await();
            assertThat(job.stdout().text()).as(job.stderr().text()).isEqualTo("10.231.9.10     compat-getent\n"
                    + "10.231.9.9      gateway\n0\n");
            assertThat(r.exitCode()).hasValue(1); // grep -c found no nameserver line
        }
    }

    @Test
    void onTheHostsNetworkTheHostsNamesStayAndItsOwnIsAdded() throws Exception {
        assertThat(run(Joblet.builder().network(Network.HOST).hostname("compat-hostnet")))
                .isEqualTo(expected("compat-hostnet", "127.0.1.1"));
        try (Job job = joblet.start(Joblet.builder().network(Network.HOST).hostname("compat-hostnet")
                .command("cat", "/etc/hosts").build())) {
            job.await();
            String host = Files.readString(Path.of("/etc/hosts"));
            assertThat(job.stdout().text()).startsWith(host.strip()).endsWith("\n127.0.1.1\tcompat-hostnet\n");
        }
    }

    @Test
    void jobsNamedAfterTheirRootWasBuiltAheadResolveTheirNames() throws Exception {
        // Equal starts, each with a name of its own: the pool builds roots ahead for this kind of job, with the last
        // job's name, and each later job renames its prepared root's files after the wait.
        List<String> outputs = new ArrayList<>();
        int builtAhead = 0;
        for (int i = 0; i < 8; i++) {
            for (int w = 0; i >= 2 && w < 1_000 && joblet.warmPool().readyWithRoot() < 1; w++) {
                Thread.sleep(5);
            }
            builtAhead += joblet.warmPool().readyWithRoot() > 0 ? 1 : 0;
            outputs.add(run(Joblet.builder().hostname("compat-w" + i)));
        }
        assertThat(builtAhead).as("jobs that found a root built ahead").isPositive();
        for (int i = 0; i < 8; i++) {
            assertThat(outputs.get(i)).isEqualTo(expected("compat-w" + i, "127.0.1.1"));
        }
    }
}
