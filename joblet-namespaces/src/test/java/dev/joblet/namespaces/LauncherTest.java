package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root to create namespaces and mounts")
class LauncherTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();


    @Test
    void jobIsPid1AndSeesOnlyItsOwnProcesses() throws Exception {
        TestJobs.Collector c = new TestJobs.Collector();
        LaunchedProcess p = launcher
                .launch(TestJobs.request("bash", "-c", "sleep 30 & sleep 40 & ps -eo pid,args; hostname").build(), c);
        ExitStatus status = p.onExit().get(20, TimeUnit.SECONDS);
        assertThat(status).isEqualTo(ExitStatus.exited(0));
        assertThat(c.stdout()).contains("    1 bash -c sleep 30").contains("sleep 40").contains("testjob");
        assertThat(c.stdout().lines().count()).isEqualTo(6); // header, bash, 2 sleeps, ps, hostname
    }

    @Test
    void jobJoinsAPreparedNetworkNamespaceWithLoUp() throws Exception {
        String ns = "joblet-lt-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        try {
            run("ip", "-n", ns, "link", "add", "jltdummy0", "type", "veth", "peer", "name", "jltdummy1");
            TestJobs.Collector c = new TestJobs.Collector();
            LaunchedProcess p = launcher.launch(TestJobs.request("ip", "-o", "link")
                    .netns(java.nio.file.Path.of("/run/netns", ns)).build(), c);
            assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
            assertThat(c.stdout()).as("interfaces of the prepared namespace").contains("jltdummy0@jltdummy1")
                    .containsPattern("lo: <LOOPBACK,UP,LOWER_UP>");
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    @Test
    void joiningANetworkNamespaceThatDoesNotExistFailsAtThatStage() {
        assertThatThrownBy(() -> launcher.launch(TestJobs.request("true")
                .netns(java.nio.file.Path.of("/run/netns/joblet-no-such-ns")).build(), OutputHandler.DISCARD))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.NETNS);
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                });
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
    }

    @Test
    void exitCodeAndStderrAreReported() throws Exception {
        TestJobs.Collector c = new TestJobs.Collector();
        LaunchedProcess p = launcher.launch(TestJobs.request("sh", "-c", "echo oops >&2; exit 7").build(), c);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(7));
        assertThat(c.stderr()).isEqualTo("oops\n");
        assertThat(c.stdout()).isEmpty();
    }

    @Test
    void killedJobReportsTheSignal() throws Exception {
        LaunchedProcess p = launcher.launch(TestJobs.request("sleep", "60").build(), OutputHandler.DISCARD);
        p.signal(9);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(9));
    }

    @Test
    void missingCommandFailsAtExecWithEnoent() {
        assertThatThrownBy(() -> launcher.launch(TestJobs.request("nosuchcmd").build(), OutputHandler.DISCARD))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.EXEC);
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.isCommandNotFound()).isTrue();
                });
    }
}
