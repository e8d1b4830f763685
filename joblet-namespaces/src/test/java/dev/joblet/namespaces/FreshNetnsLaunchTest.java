package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "launches jobs: needs root")
class FreshNetnsLaunchTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();


    @Test
    void aJoinTheHostRefusesTurnsThePoolOffAndTheJobStartsWithItsOwnNamespace() throws Exception {
        List<String> why = new ArrayList<>();
        TestJobs.Collector c = new TestJobs.Collector();
        FreshNetns.Lease bad = new FreshNetns.Lease(-1, Path.of("/run/netns/joblet-no-such-ns"));
        LaunchedProcess p = FreshNetns.launch(launcher, TestJobs.request("ip", "-o", "link").build(), bad, c,
                why::add);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        assertThat(why).singleElement().asString().contains("joining one failed");
        assertThat(c.stdout()).as("a namespace of its own, with only lo").containsPattern("lo: <LOOPBACK,UP,LOWER_UP>")
                .doesNotContain("eth0");
    }

    @Test
    void aFailureAtAnotherStageIsReportedAsItIs() {
        List<String> why = new ArrayList<>();
        // A namespace that can be joined (the child's own, as it sees it), then a command that does not exist.
        FreshNetns.Lease fine = new FreshNetns.Lease(-1, Path.of("/proc/self/ns/net"));
        assertThatThrownBy(() -> FreshNetns.launch(launcher, TestJobs.request("/no/such/command").build(), fine,
                OutputHandler.DISCARD, why::add))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.stage()).isEqualTo(Stage.EXEC));
        assertThat(why).as("the pool stays on").isEmpty();
    }
}
