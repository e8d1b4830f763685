package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** What a job can see and do, checked from inside the job at the launcher level. */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root to create namespaces and mounts")
class IsolationTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();


    /** The result of one job: its exit status and output. */
    record Run(ExitStatus status, String stdout, String stderr) {}

    private static Run run(LaunchRequest.Builder request) throws Exception {
        TestJobs.Collector c = new TestJobs.Collector();
        LaunchedProcess p = launcher.launch(request.build(), c);
        ExitStatus status = p.onExit().get(20, TimeUnit.SECONDS);
        return new Run(status, c.stdout(), c.stderr());
    }

    private static Run sh(String script) throws Exception {
        return run(TestJobs.request("sh", "-c", script));
    }

    @Test
    void usrIsReadOnly() throws Exception {
        Run r = sh("touch /usr/joblet-x");
        assertThat(r.status().code()).isNotZero();
        assertThat(r.stderr()).contains("Read-only file system");
        assertThat(Path.of("/usr/joblet-x")).doesNotExist();
    }

    @Test
    void rootIsReadOnlyButTmpAndWorkAreWritable() throws Exception {
        Run r = sh("touch /joblet-x 2>&1; touch /tmp/a /work/b && echo writable");
        assertThat(r.stdout()).contains("Read-only file system").contains("writable");
    }

    @Test
    void rootHoldsOnlyWhatWasMounted() throws Exception {
        Run r = sh("ls -A /");
        assertThat(r.status()).isEqualTo(ExitStatus.exited(0));
        assertThat(r.stdout().lines().collect(Collectors.toList()))
                .isSubsetOf("bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "proc", "dev", "tmp", "work")
                .contains("usr", "etc", "proc", "dev", "tmp", "work");
    }

    @Test
    void hostRootHomeVarAndSysAreNotVisible() throws Exception {
        Run r = sh("for d in /root /home /var /sys /boot /run /srv " + TestJobs.STAGING + "; do"
                + " if [ -e $d ]; then echo visible $d; fi; done; ls /etc");
        assertThat(r.stdout()).doesNotContain("visible");
        assertThat(r.stdout().lines().collect(Collectors.toList()))
                .isSubsetOf("passwd", "group", "ld.so.cache", "alternatives");
    }

    @Test
    void hostnameIsTheJobsAndTheHostsIsUntouched() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        Run r = sh("hostname; cat /proc/sys/kernel/hostname");
        assertThat(r.stdout()).isEqualTo("testjob\ntestjob\n");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname"))).isEqualTo(host);
    }

    @Test
    void networkNamespaceHasOnlyLoopback() throws Exception {
        Run r = sh("tail -n +3 /proc/net/dev");
        List<String> interfaces = r.stdout().lines().map(l -> l.trim().split(":")[0]).collect(Collectors.toList());
        assertThat(interfaces).containsExactly("lo");
    }

    @Test
    void loopbackIsUp() throws Exception {
        assumeThat(Path.of("/usr/sbin/ip")).as("iproute2 on the host").exists();
        Run r = run(TestJobs.request("/usr/sbin/ip", "-o", "link", "show"));
        assertThat(r.status()).as(r.stderr()).isEqualTo(ExitStatus.exited(0));
        assertThat(r.stdout().lines()).singleElement().satisfies(l -> {
            assertThat(l).contains(": lo: ");
            assertThat(l).containsPattern("<[^>]*\\bUP\\b[^>]*>");
        });
        Run addr = run(TestJobs.request("/usr/sbin/ip", "-o", "addr", "show", "lo"));
        assertThat(addr.stdout()).contains("inet 127.0.0.1/8");
    }

    @Test
    void sharedNetworkWhenNetworkIsOff() throws Exception {
        long hostInterfaces;
        try (var lines = Files.lines(Path.of("/proc/net/dev"))) {
            hostInterfaces = lines.count() - 2;
        }
        Run r = run(TestJobs.request("sh", "-c", "tail -n +3 /proc/net/dev").network(false));
        assertThat(r.stdout().lines().count()).isEqualTo(hostInterfaces);
    }

    @Test
    void fiftyMegabytesOfStdoutIntoADiscardingHandlerCompletes() throws Exception {
        long size = 50L * 1024 * 1024;
        AtomicLong seen = new AtomicLong();
        java.util.concurrent.CountDownLatch ends = new java.util.concurrent.CountDownLatch(2);
        OutputHandler counting = new OutputHandler() {
            @Override
            public void onOutput(Stream stream, byte[] data, int off, int len) {
                if (stream == Stream.STDOUT) {
                    seen.addAndGet(len);
                }
            }

            @Override
            public void onEnd(Stream stream) {
                ends.countDown();
            }
        };
        LaunchedProcess p = launcher.launch(TestJobs.request("head", "-c", Long.toString(size), "/dev/zero").build(),
                counting);
        assertThat(p.onExit().get(30, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        assertThat(ends.getCount()).as("both streams ended before onExit").isZero();
        assertThat(seen.get()).isEqualTo(size);
    }

    @Test
    void stdinBytesReachTheJobUnchanged() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17]; // more than a pipe holds, and not chunk-aligned
        new Random(42).nextBytes(data);
        TestJobs.Collector c = new TestJobs.Collector();
        LaunchedProcess p = launcher.launch(TestJobs.request("cat").stdin(data).build(), c);
        assertThat(p.onExit().get(30, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        assertThat(Arrays.equals(c.stdoutBytes(), data)).as("stdout equals stdin (%s bytes)", c.stdoutBytes().length)
                .isTrue();
    }

    @Test
    void emptyStdinIsEofAndNoStdinIsDevNull() throws Exception {
        assertThat(run(TestJobs.request("cat").stdin(new byte[0])).stdout()).isEmpty();
        Run r = sh("cat; readlink /proc/self/fd/0");
        assertThat(r.status()).isEqualTo(ExitStatus.exited(0));
        assertThat(r.stdout()).isEqualTo("/dev/null\n");
    }

    @Test
    void stdinTheJobDoesNotReadDoesNotBlockItsEnd() throws Exception {
        byte[] data = new byte[4 * 1024 * 1024];
        Run r = run(TestJobs.request("true").stdin(data));
        assertThat(r.status()).isEqualTo(ExitStatus.exited(0));
    }

    @Test
    void environmentIsExactlyWhatWasPassed() throws Exception {
        List<String> env = List.of("PATH=/usr/bin:/bin", "A=1", "B=two words", "EMPTY=", "UNICODE=h\u00f4te");
        Run r = run(TestJobs.request("/usr/bin/env").env(env));
        assertThat(r.stdout().lines().collect(Collectors.toList())).containsExactlyElementsOf(env);
    }

    @Test
    void emptyEnvironmentIsEmpty() throws Exception {
        Run r = run(TestJobs.request("/usr/bin/env").env(List.of()));
        assertThat(r.status()).isEqualTo(ExitStatus.exited(0));
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void argvIsPassedVerbatim() throws Exception {
        Run r = run(TestJobs.request("printf", "[%s]", "a b", "", "*", "$HOME", "\u00e9"));
        assertThat(r.stdout()).isEqualTo("[a b][][*][$HOME][\u00e9]");
    }

    @Test
    void jobInheritsOnlyStdio() throws Exception {
        Run r = run(TestJobs.request("ls", "/proc/self/fd"));
        // 3 is ls's own directory fd.
        assertThat(r.stdout().lines().collect(Collectors.toList())).containsExactly("0", "1", "2", "3");
    }

    @Test
    void jobStartsInTheWorkdir() throws Exception {
        assertThat(sh("pwd").stdout()).isEqualTo("/work\n");
    }

    @Test
    void noNewPrivsIsSetByDefaultAndOnlyThen() throws Exception {
        assertThat(sh("grep NoNewPrivs /proc/self/status").stdout()).isEqualTo("NoNewPrivs:\t1\n");
        Run r = run(TestJobs.request("sh", "-c", "grep NoNewPrivs /proc/self/status").noNewPrivs(false));
        assertThat(r.stdout()).isEqualTo("NoNewPrivs:\t0\n");
    }

    @Test
    void cpuAffinityIsApplied() throws Exception {
        int last = Runtime.getRuntime().availableProcessors() - 1;
        BitSet cpu = new BitSet();
        cpu.set(last);
        Run r = run(TestJobs.request("sh", "-c", "grep Cpus_allowed_list /proc/self/status").cpuAffinity(cpu));
        assertThat(r.stdout()).isEqualTo("Cpus_allowed_list:\t" + last + "\n");
    }

    @Test
    void devHoldsOnlyTheMinimalNodes() throws Exception {
        Run r = sh("ls -A /dev; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c");
        assertThat(r.stdout().lines().collect(Collectors.toList()))
                .containsExactlyInAnyOrder("fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
                        "stdout", "tty", "urandom", "zero", "null-ok", "4");
    }

    @Test
    void jobJoinsTheCgroupItIsGivenBeforeExec() throws Exception {
        Path cgroup = TestJobs.createPidsCgroup("joblet-test-isolation").orElse(null);
        assumeThat(cgroup).as("a v1 pids hierarchy to make a test cgroup in").isNotNull();
        try {
            LaunchedProcess p = launcher
                    .launch(TestJobs.request("sleep", "30").cgroupProcsFiles(List.of(cgroup.resolve("cgroup.procs"))).build(),
                            OutputHandler.DISCARD);
            try {
                assertThat(Files.readAllLines(cgroup.resolve("cgroup.procs"))).containsExactly(Integer.toString(p.pid()));
            } finally {
                p.signal(9);
                p.onExit().get(20, TimeUnit.SECONDS);
            }
            assertThat(Files.readString(cgroup.resolve("cgroup.procs"))).isEmpty();
        } finally {
            TestJobs.removeCgroup(cgroup);
        }
    }
}
